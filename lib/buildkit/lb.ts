// HAProxy, the farm's entry point (SPEC 3): its haproxy.cfg (ConfigMap and dist file), the
// Deployment, one Service per arch (what build clients connect to) and the metrics Service.
import { k8s } from 'cdk8s-plus-28';
import type { BuildkitConfig } from '../config/sections/buildkit';
import { ComponentChart, LABEL, meta } from '../core/chart';
import { LB, checksum, lbSelector, serviceFamilies } from './common';
import { ArchFleet, BUILDKIT_PORT, podGraceSeconds } from './fleet';
import { HEALTH_PATH, METRICS_PORT, STATS_PORT } from './haproxy/config';
import { LB_METRICS_SERVICE } from './keda';

const { IntOrString, Quantity } = k8s;

export const HAPROXY_FILE = 'haproxy.cfg';
const CONFIG_DIR = '/usr/local/etc/haproxy';
/** uid/gid of the haproxy user in the official image (numeric, so runAsNonRoot can be verified). */
const HAPROXY_USER = 99;

/** Container port name of an arch's frontend (<= 15 characters). */
export const buildPortName = (a: ArchFleet): string => `build-${a.arch}`;

export function addLoadBalancer(chart: ComponentChart, b: BuildkitConfig, archs: ArchFleet[], cfg: string): void {
  const ns = b.namespaces.farm;
  chart.file(HAPROXY_FILE, cfg);
  new k8s.KubeConfigMap(chart, `${LB}-config`, { metadata: meta(LB, LB, ns), data: { [HAPROXY_FILE]: cfg } });

  const resources = { cpu: Quantity.fromString(b.haproxy.resources.cpu), memory: Quantity.fromString(b.haproxy.resources.memory) };
  const health = { httpGet: { path: HEALTH_PATH, port: IntOrString.fromString('stats') }, timeoutSeconds: 2 };
  new k8s.KubeDeployment(chart, LB, {
    metadata: meta(LB, LB, ns),
    spec: {
      replicas: b.haproxy.replicas,
      selector: { matchLabels: lbSelector },
      // the new HAProxy takes new builds while the old one lets its running builds finish
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: IntOrString.fromNumber(1), maxUnavailable: IntOrString.fromNumber(0) } },
      template: {
        metadata: {
          labels: { ...lbSelector, [LABEL.component]: chart.component, [LABEL.partOf]: chart.partOf },
          annotations: checksum(HAPROXY_FILE, cfg),
        },
        spec: {
          // soft-stop keeps running builds up to hard-stop-after (= timeout server); give it that long
          terminationGracePeriodSeconds: podGraceSeconds(b),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true, runAsUser: HAPROXY_USER, runAsGroup: HAPROXY_USER, seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'haproxy',
              image: b.images.haproxy,
              args: ['-f', `${CONFIG_DIR}/${HAPROXY_FILE}`],
              ports: [
                ...archs.map((a) => ({ name: buildPortName(a), containerPort: a.lbPort, protocol: 'TCP' })),
                { name: 'stats', containerPort: STATS_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
              ],
              resources: { requests: resources, limits: resources },
              readinessProbe: { ...health, periodSeconds: 5 },
              livenessProbe: { ...health, periodSeconds: 10, failureThreshold: 6 },
              // SIGUSR1 = soft-stop: stop accepting, let running builds finish (SIGTERM would cut them)
              lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'kill -USR1 1; while kill -0 1; do sleep 1; done'] } } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: LB } }],
        },
      },
    },
  });

  for (const a of archs) {
    // what build clients use: tcp://<name>.<farm namespace>.svc:1234
    new k8s.KubeService(chart, `${a.name}-lb`, {
      metadata: meta(LB, a.name, ns),
      spec: {
        ...serviceFamilies(b.ipFamily),
        selector: lbSelector,
        ports: [{ name: 'grpc', port: BUILDKIT_PORT, targetPort: IntOrString.fromString(buildPortName(a)), protocol: 'TCP' }],
      },
    });
  }
  new k8s.KubeService(chart, LB_METRICS_SERVICE, {
    metadata: meta(LB, LB_METRICS_SERVICE, ns),
    spec: {
      ...serviceFamilies(b.ipFamily),
      selector: lbSelector,
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: IntOrString.fromString('metrics'), protocol: 'TCP' }],
    },
  });
}
