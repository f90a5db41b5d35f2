// HAProxy in front of the BuildKit pods (SPEC 3): one frontend + backend per arch, one build per
// pod (maxconn 1), extra builds queue; the pods come from DNS (server-template over the arch's
// headless Service), so scaling never needs a reload.
import type { BuildkitConfig } from '../../config/sections/buildkit';
import { ArchFleet, BUILDKIT_PORT, BUILDS_PER_POD } from '../fleet';
import { Section, directive as d, formatMinutes, formatSeconds, inlineAcl } from './model';

export const STATS_PORT = 8404;
export const METRICS_PORT = 9404;
export const METRICS_PATH = '/metrics';
export const HEALTH_PATH = '/healthz';
export const RESOLVERS = 'cluster';

/**
 * Resolver timings. A pod that leaves DNS (terminating) stops getting new builds after at most
 * CoreDNS's TTL + one resolve interval + hold obsolete; the drain's settle time must cover that.
 */
export const DNS = {
  /** CoreDNS kubernetes plugin default TTL. */
  ttlSeconds: 5,
  resolveSeconds: 1,
  retries: 3,
  /** Keep the last good answer this long when DNS fails. */
  holdValidSeconds: 10,
  /** Forget a pod this long after it left the answer (also on NXDOMAIN: no ready pod left). */
  holdGoneSeconds: 5,
  /** EDNS payload: room for every slot's A record in one UDP answer. */
  payloadBytes: 8192,
};
export const dnsForgetSeconds = DNS.ttlSeconds + DNS.resolveSeconds + DNS.holdGoneSeconds;

/** Fully qualified name of an arch's headless pod Service. */
export const podsHost = (b: BuildkitConfig, a: ArchFleet): string =>
  `${a.name}-pods.${b.namespaces.farm}.svc.${b.clusterDomain}`;

export function haproxySections(b: BuildkitConfig, archs: ArchFleet[]): Section[] {
  const h = b.haproxy;
  const sections: Section[] = [
    {
      kind: 'global',
      directives: [
        d('log', 'stdout', 'format', 'raw', 'local0'),
        d('maxconn', h.maxConnections),
        // a stopping HAProxy (soft-stop) lets running builds finish, at most as long as a build may idle
        d('hard-stop-after', formatMinutes(h.timeoutServerMinutes)),
      ],
    },
    {
      kind: 'defaults',
      directives: [
        d('mode', 'tcp'),
        d('log', 'global'),
        d('option', 'dontlognull'),
        d('option', 'redispatch'),
        d('timeout', 'connect', formatSeconds(h.timeoutConnectSeconds)),
        d('timeout', 'client', formatMinutes(h.timeoutClientMinutes)),
        d('timeout', 'server', formatMinutes(h.timeoutServerMinutes)),
        // below the client's connect give-up (checked): a longer queue only hides failures
        d('timeout', 'queue', formatSeconds(h.timeoutQueueSeconds)),
      ],
    },
    {
      kind: 'resolvers',
      name: RESOLVERS,
      comment: 'Cluster DNS from the pod\'s resolv.conf: no address to keep in sync.',
      directives: [
        d('parse-resolv-conf'),
        d('resolve_retries', DNS.retries),
        d('timeout', 'resolve', formatSeconds(DNS.resolveSeconds)),
        d('timeout', 'retry', formatSeconds(DNS.resolveSeconds)),
        d('hold', 'valid', formatSeconds(DNS.holdValidSeconds)),
        d('hold', 'obsolete', formatSeconds(DNS.holdGoneSeconds)),
        d('hold', 'nx', formatSeconds(DNS.holdGoneSeconds)),
        d('accepted_payload_size', DNS.payloadBytes),
      ],
    },
    {
      kind: 'frontend',
      name: 'stats',
      directives: [
        d('mode', 'http'),
        d('bind', `:${STATS_PORT}`),
        d('no', 'log'),
        d('monitor-uri', HEALTH_PATH),
        d('stats', 'enable'),
        d('stats', 'uri', '/stats'),
      ],
    },
    {
      kind: 'frontend',
      name: 'metrics',
      comment: 'Prometheus exporter: scraped by Prometheus and read by KEDA.',
      directives: [
        d('mode', 'http'),
        d('bind', `:${METRICS_PORT}`),
        d('no', 'log'),
        d('http-request', 'use-service', 'prometheus-exporter', 'if', inlineAcl('path', METRICS_PATH)),
      ],
    },
  ];
  for (const a of archs) {
    sections.push(
      {
        kind: 'frontend',
        name: a.name,
        comment: `${a.arch}: builds enter here (Service ${a.name}).`,
        directives: [d('bind', `:${a.lbPort}`), d('option', 'tcplog'), d('default_backend', a.name)],
      },
      {
        kind: 'backend',
        name: a.name,
        comment: `${a.arch}: ${BUILDS_PER_POD} build per pod (maxconn), the rest queue; ${a.slots} slots >= the ${a.peakPods} pods this arch can have.`,
        directives: [
          d('balance', 'leastconn'),
          d('server-template', 'pod', a.slots, `${podsHost(b, a)}:${BUILDKIT_PORT}`,
            'check', 'resolvers', RESOLVERS, 'resolve-prefer', 'ipv4', 'init-addr', 'none', 'maxconn', BUILDS_PER_POD),
        ],
      },
    );
  }
  return sections;
}
