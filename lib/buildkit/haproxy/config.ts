// HAProxy in front of the BuildKit pods (SPEC 3): one frontend + backend per arch, one build per
// pod (maxconn 1), extra builds queue; the pods come from DNS (server-template over the arch's
// headless Service), so scaling never needs a reload.
import { cpuCores } from '../../core/quantity';
import { ArchFleet, BUILDKIT_PORT, BUILDS_PER_POD, GATE_PORT } from '../fleet';
import { Section, directive as d, formatMinutes, formatSeconds, inlineAcl } from '../../render/haproxy';
import type { BuildkitSettings } from '../props';

export const STATS_PORT = 8404;
export const METRICS_PORT = 9404;
export const METRICS_PATH = '/metrics';
export const HEALTH_PATH = '/healthz';
export const RESOLVERS = 'cluster';

/**
 * Resolver timings. A pod leaves the headless Service's DNS answer only once it is gone (the
 * Service publishes terminating pods), and HAProxy drops its address after CoreDNS's TTL + one
 * resolve interval + hold obsolete.
 */
export const DNS = {
  /** CoreDNS kubernetes plugin default TTL. */
  ttlSeconds: 5,
  resolveSeconds: 1,
  retries: 3,
  /** Keep the last good answer this long when DNS fails. */
  holdValidSeconds: 10,
  /** Forget a pod this long after it left the answer (also on NXDOMAIN: no pod left). */
  holdGoneSeconds: 5,
  /** EDNS payload: room for every slot's record in one UDP answer. */
  payloadBytes: 8192,
};

/**
 * Health check of a BuildKit pod: connect to buildkitd's port AND to the pod's gate. The gate
 * closes when the pod starts terminating, so HAProxy stops routing builds to a draining pod while
 * the pod keeps its address and its slot (see drainingPods in fleet.ts).
 */
export const CHECK = { interSeconds: 2, timeoutSeconds: 1, fall: 2, rise: 1 };
/** Longest time HAProxy may still route a new build to a pod whose gate has closed. */
export const gateDownSeconds = CHECK.fall * (CHECK.interSeconds + CHECK.timeoutSeconds);

/** `bind` address of a port for the farm's IP family: IPv4 any, IPv6 any only, or both on one socket. */
export function bindAddress(farm: BuildkitSettings, port: number): string[] {
  switch (farm.ipFamily) {
    case 'ipv4': return [`:${port}`];
    case 'ipv6': return [`:::${port}`, 'v6only'];
    case 'dual': return [`:::${port}`, 'v4v6'];
  }
}

/** The address family HAProxy's resolver asks for (A or AAAA): a dual-stack pod has both, IPv6 is preferred. */
export const resolvePrefer = (farm: BuildkitSettings): string => (farm.ipFamily === 'ipv4' ? 'ipv4' : 'ipv6');

/** Threads of the farm's HAProxy: its CPU limit in whole cores, at least 1. */
export const haproxyThreads = (farm: BuildkitSettings): number => Math.max(1, Math.floor(cpuCores(farm.haproxy.resources.cpu)));

/** Fully qualified name of an arch's headless pod Service. */
export const podsHost = (farm: BuildkitSettings, pool: ArchFleet): string =>
  `${pool.name}-pods.${farm.namespaces.farm}.svc.${farm.clusterDomain}`;

export function haproxySections(farm: BuildkitSettings, pools: ArchFleet[]): Section[] {
  return [
    globalSection(farm),
    defaultsSection(farm),
    resolversSection(),
    statsFrontend(farm),
    metricsFrontend(farm),
    ...pools.flatMap((pool) => [archFrontend(farm, pool), archBackend(farm, pool)]),
  ];
}

function globalSection(farm: BuildkitSettings): Section {
  return {
    kind: 'global',
    directives: [
      d('log', 'stdout', 'format', 'raw', 'local0'),
      d('maxconn', farm.haproxy.maxConnections),
      // HAProxy starts a thread per CPU it sees (the node's, not its limit): more threads than the
      // CPU limit only get throttled by the CFS quota
      d('nbthread', haproxyThreads(farm)),
      // a stopping HAProxy (soft-stop) lets running builds finish, at most as long as a build may idle
      d('hard-stop-after', formatMinutes(farm.haproxy.timeoutServerMinutes)),
    ],
  };
}

function defaultsSection(farm: BuildkitSettings): Section {
  const haproxy = farm.haproxy;
  return {
    kind: 'defaults',
    directives: [
      d('mode', 'tcp'),
      d('log', 'global'),
      d('option', 'dontlognull'),
      d('option', 'redispatch'),
      d('timeout', 'connect', formatSeconds(haproxy.timeoutConnectSeconds)),
      d('timeout', 'client', formatMinutes(haproxy.timeoutClientMinutes)),
      d('timeout', 'server', formatMinutes(haproxy.timeoutServerMinutes)),
      // below the client's connect give-up (checked): a longer queue only hides failures
      d('timeout', 'queue', formatSeconds(haproxy.timeoutQueueSeconds)),
      d('timeout', 'check', formatSeconds(CHECK.timeoutSeconds)),
    ],
  };
}

const resolversSection = (): Section => ({
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
});

const statsFrontend = (farm: BuildkitSettings): Section => ({
  kind: 'frontend',
  name: 'stats',
  directives: [
    d('mode', 'http'),
    d('bind', ...bindAddress(farm, STATS_PORT)),
    d('no', 'log'),
    d('monitor-uri', HEALTH_PATH),
    d('stats', 'enable'),
    d('stats', 'uri', '/stats'),
  ],
});

const metricsFrontend = (farm: BuildkitSettings): Section => ({
  kind: 'frontend',
  name: 'metrics',
  comment: 'Prometheus exporter: scraped by Prometheus and read by KEDA.',
  directives: [
    d('mode', 'http'),
    d('bind', ...bindAddress(farm, METRICS_PORT)),
    d('no', 'log'),
    d('http-request', 'use-service', 'prometheus-exporter', 'if', inlineAcl('path', METRICS_PATH)),
  ],
});

const archFrontend = (farm: BuildkitSettings, pool: ArchFleet): Section => ({
  kind: 'frontend',
  name: pool.name,
  comment: `${pool.arch}: builds enter here (Service ${pool.name}).`,
  directives: [d('bind', ...bindAddress(farm, pool.lbPort)), d('option', 'tcplog'), d('default_backend', pool.name)],
});

const archBackend = (farm: BuildkitSettings, pool: ArchFleet): Section => ({
  kind: 'backend',
  name: pool.name,
  comment:
    `${pool.arch}: ${BUILDS_PER_POD} build per pod (maxconn), the rest queue. ${pool.slots} slots = ${pool.maxNodes} nodes x ${pool.podsPerNode} pods ` +
    `>= ${pool.peakPods} pods + ${pool.draining} draining beside their replacements.\n` +
    'A pod is up while buildkitd and its gate accept connections; the gate closes when the pod terminates.',
  directives: [
    d('balance', 'leastconn'),
    d('option', 'tcp-check'),
    d('tcp-check', 'connect', 'port', BUILDKIT_PORT),
    d('tcp-check', 'connect', 'port', GATE_PORT),
    d('server-template', 'pod', pool.slots, `${podsHost(farm, pool)}:${BUILDKIT_PORT}`,
      'check', 'inter', formatSeconds(CHECK.interSeconds), 'fall', CHECK.fall, 'rise', CHECK.rise,
      'resolvers', RESOLVERS, 'resolve-prefer', resolvePrefer(farm), 'init-addr', 'none', 'maxconn', BUILDS_PER_POD),
  ],
});

/**
 * haproxy.cfg of a BuildKit pod's gate container (the pinned HAProxy image): one listener that
 * answers while the pod runs. It has no preStop hook, so it gets its stop signal the moment the
 * pod starts terminating (the official image's STOPSIGNAL is SIGUSR1: soft-stop closes the
 * listener at once; SIGTERM would too), while buildkitd's preStop drain keeps the running build.
 */
export function gateSections(farm: BuildkitSettings): Section[] {
  return [
    { kind: 'global', directives: [d('maxconn', 64)] },
    {
      kind: 'defaults',
      directives: [
        d('mode', 'http'),
        d('timeout', 'connect', formatSeconds(CHECK.timeoutSeconds)),
        d('timeout', 'client', formatSeconds(5)),
        d('timeout', 'server', formatSeconds(5)),
      ],
    },
    {
      kind: 'frontend',
      name: 'gate',
      comment: 'Open while this BuildKit pod takes new builds (HAProxy\'s tcp-check connects here).',
      directives: [d('bind', ...bindAddress(farm, GATE_PORT)), d('http-request', 'return', 'status', 200)],
    },
  ];
}
