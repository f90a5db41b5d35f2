// HAProxy, the farm's entry point (SPEC 3): its haproxy.cfg (ConfigMap and file), the Deployment,
// one Service per arch (what build clients connect to) and the metrics Service.
import { generatedFrom, generatedHeader } from '../core/yaml';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { addFile, meta } from '../core/chart';
import { ArchFleet, BUILDKIT_PORT, podGraceSeconds } from './fleet';
import { HEALTH_PATH, METRICS_PORT, STATS_PORT, haproxySections } from './haproxy/config';
import { renderConfig } from '../render/haproxy';
import { serviceFamilies } from './ip-family';
import { LB_METRICS_SERVICE } from './keda';
import { LB, chartPodLabels, checksum, lbSelector } from './labels';
import type { BuildkitSettings } from './props';

const { IntOrString, Quantity } = k8s;

export const HAPROXY_FILE = 'haproxy.cfg';
const CONFIG_DIR = '/usr/local/etc/haproxy';
/** uid/gid of the haproxy user in the official image (numeric, so runAsNonRoot can be verified). */
const HAPROXY_USER = 99;

/** Container port name of an arch's frontend (<= 15 characters). */
export const buildPortName = (pool: ArchFleet): string => `build-${pool.arch}`;

/** Props of the farm's load balancer. */
export interface BuildkitLoadBalancerProps {
  readonly settings: BuildkitSettings;
  /** Every arch's derived values (fleet()): one frontend, backend and Service each. */
  readonly pools: ArchFleet[];
}

/**
 * The farm's HAProxy: one frontend and backend per arch (one build per pod, the rest queue, pods
 * found through DNS), its Deployment, a Service per arch and the metrics Service KEDA and
 * Prometheus read.
 */
export class BuildkitLoadBalancer extends Construct {
  /** The rendered haproxy.cfg (also the file `haproxy.cfg` of the chart). */
  readonly haproxyCfg: string;
  readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: BuildkitLoadBalancerProps) {
    super(scope, id);
    const { settings, pools } = props;
    const ns = settings.namespaces.farm;
    this.haproxyCfg = renderConfig(haproxySections(settings, pools), generatedHeader(generatedFrom(this)));
    addFile(this, HAPROXY_FILE, this.haproxyCfg);
    new k8s.KubeConfigMap(this, 'config', { metadata: meta(LB, LB, ns), data: { [HAPROXY_FILE]: this.haproxyCfg } });
    this.deployment = this.addDeployment(settings, pools);
    for (const pool of pools) {
      // what build clients use: tcp://<name>.<farm namespace>.svc:1234
      new k8s.KubeService(this, `${pool.name}-service`, {
        metadata: meta(LB, pool.name, ns),
        spec: {
          ...serviceFamilies(settings.ipFamily),
          selector: lbSelector,
          ports: [{ name: 'grpc', port: BUILDKIT_PORT, targetPort: IntOrString.fromString(buildPortName(pool)), protocol: 'TCP' }],
        },
      });
    }
    new k8s.KubeService(this, 'metrics-service', {
      metadata: meta(LB, LB_METRICS_SERVICE, ns),
      spec: {
        ...serviceFamilies(settings.ipFamily),
        selector: lbSelector,
        ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: IntOrString.fromString('metrics'), protocol: 'TCP' }],
      },
    });
  }

  private addDeployment(settings: BuildkitSettings, pools: ArchFleet[]): k8s.KubeDeployment {
    const resources = { cpu: Quantity.fromString(settings.haproxy.resources.cpu), memory: Quantity.fromString(settings.haproxy.resources.memory) };
    const health = { httpGet: { path: HEALTH_PATH, port: IntOrString.fromString('stats') }, timeoutSeconds: 2 };
    return new k8s.KubeDeployment(this, 'deployment', {
      metadata: meta(LB, LB, settings.namespaces.farm),
      spec: {
        replicas: settings.haproxy.replicas,
        selector: { matchLabels: lbSelector },
        // the new HAProxy takes new builds while the old one lets its running builds finish
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: IntOrString.fromNumber(1), maxUnavailable: IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels: { ...lbSelector, ...chartPodLabels(this) }, annotations: checksum(HAPROXY_FILE, this.haproxyCfg) },
          spec: {
            // soft-stop keeps running builds up to hard-stop-after (= timeout server); give it that long
            terminationGracePeriodSeconds: podGraceSeconds(settings),
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true, runAsUser: HAPROXY_USER, runAsGroup: HAPROXY_USER, seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'haproxy',
                image: settings.images.haproxy,
                args: ['-f', `${CONFIG_DIR}/${HAPROXY_FILE}`],
                ports: [
                  ...pools.map((pool) => ({ name: buildPortName(pool), containerPort: pool.lbPort, protocol: 'TCP' })),
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
  }
}
