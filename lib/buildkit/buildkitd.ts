// One arch's BuildKit daemons (SPEC 3): buildkitd.toml, a Guaranteed Deployment on the arch's
// NodePool with its cache on the instance store, a PodDisruptionBudget and a headless Service
// HAProxy resolves the pods from.
import { k8s } from 'cdk8s-plus-28';
import type { BuildkitConfig } from '../config/sections/buildkit';
import { formatCpu } from '../config/quantity';
import { ComponentChart, LABEL, meta } from '../platform/chart';
import { BUILDKITD, INSTANCE, buildkitdSelector, checksum } from './common';
import { ArchFleet, BUILDKIT_PORT, podGraceSeconds } from './fleet';
import { renderToml, TomlTable } from './toml';

const { IntOrString, Quantity } = k8s;

export const CONFIG_FILE = 'buildkitd.toml';
export const DRAIN_FILE = 'drain.sh';
/** ConfigMap of the scripts mounted into every BuildKit pod. */
export const SCRIPTS = 'buildkitd-scripts';
const SOCKET = 'unix:///run/buildkit/buildkitd.sock';
const CACHE_DIR = '/var/lib/buildkit';
const CONFIG_DIR = '/etc/buildkit';
const SCRIPTS_DIR = '/opt/buildkit';
/** Solver steps run at once in a pod (SPEC 3): with one build per pod, one step at a time. */
const MAX_PARALLELISM = 1;
/** Mode of the mounted scripts: r-x for everyone. */
const EXECUTABLE = 0o555;

export function buildkitdToml(a: ArchFleet): TomlTable {
  return {
    root: CACHE_DIR,
    grpc: { address: [SOCKET, `tcp://0.0.0.0:${BUILDKIT_PORT}`] },
    worker: {
      oci: {
        enabled: true,
        'max-parallelism': MAX_PARALLELISM,
        gc: true,
        // this pod's share of the node's instance store (see cacheBudget in fleet.ts)
        reservedSpace: `${a.cache.reservedGiB}GiB`,
        maxUsedSpace: `${a.cache.maxUsedGiB}GiB`,
        minFreeSpace: `${a.cache.minFreeGiB}GiB`,
      },
      containerd: { enabled: false },
    },
  };
}

const buildctl = (...args: string[]) => ({ command: ['buildctl', '--addr', SOCKET, ...args] });

export function addBuildkitd(chart: ComponentChart, b: BuildkitConfig, a: ArchFleet, drain: string, header: string): void {
  const ns = b.namespaces.farm;
  const toml = renderToml(buildkitdToml(a), header);
  const config = `${a.name}-config`;
  new k8s.KubeConfigMap(chart, `${a.name}-config`, {
    metadata: meta(BUILDKITD, config, ns, { [INSTANCE]: a.name }),
    data: { [CONFIG_FILE]: toml },
  });

  const selector = buildkitdSelector(a.name);
  const resources = { cpu: Quantity.fromString(formatCpu(a.pod.cpu)), memory: Quantity.fromString(`${a.pod.memoryGiB}Gi`) };
  const probe = { exec: buildctl('debug', 'workers'), timeoutSeconds: 10 };
  new k8s.KubeDeployment(chart, a.name, {
    metadata: meta(BUILDKITD, a.name, ns, { [INSTANCE]: a.name }),
    spec: {
      // with autoscaling KEDA owns the replica count; a fixed one here would fight it on every apply
      ...(b.autoscaling.enabled ? {} : { replicas: a.replicas }),
      selector: { matchLabels: selector },
      // never more pods than slots or nodes: replace one at a time, without surge
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: IntOrString.fromNumber(0), maxUnavailable: IntOrString.fromNumber(1) } },
      template: {
        metadata: {
          labels: { ...selector, [LABEL.component]: chart.component, [LABEL.partOf]: chart.cluster.partOf },
          annotations: { ...checksum(CONFIG_FILE, toml), ...checksum(DRAIN_FILE, drain) },
        },
        spec: {
          nodeSelector: { [b.karpenter.nodeLabel]: a.nodePool, 'kubernetes.io/arch': a.arch },
          tolerations: [{ key: b.karpenter.nodeLabel, operator: 'Equal', value: a.nodePool, effect: 'NoSchedule' }],
          terminationGracePeriodSeconds: podGraceSeconds(b),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: BUILDKITD,
              image: b.images.buildkit,
              args: ['--config', `${CONFIG_DIR}/${CONFIG_FILE}`],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [{ name: 'grpc', containerPort: BUILDKIT_PORT, protocol: 'TCP' }],
              // requests = limits: Guaranteed QoS, sized in fleet.ts
              resources: { requests: resources, limits: resources },
              // rootful BuildKit: RUN steps need mounts, namespaces and cgroups
              securityContext: { privileged: true },
              startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 60 },
              readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { ...probe, periodSeconds: 30, failureThreshold: 5 },
              lifecycle: {
                preStop: {
                  exec: {
                    command: [`${SCRIPTS_DIR}/${DRAIN_FILE}`, String(BUILDKIT_PORT), String(b.drain.settleSeconds), String(b.drain.pollSeconds)],
                  },
                },
              },
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
                // one directory per pod: two daemons must never share a state directory
                { name: 'cache', mountPath: CACHE_DIR, subPathExpr: '$(POD_NAME)' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: config } },
            { name: 'scripts', configMap: { name: SCRIPTS, defaultMode: EXECUTABLE } },
            // on the instance store's RAID0 array, next to (not inside) the kubelet's and containerd's directories
            { name: 'cache', hostPath: { path: b.cache.hostPath, type: 'DirectoryOrCreate' } },
          ],
        },
      },
    },
  });

  new k8s.KubePodDisruptionBudget(chart, `${a.name}-pdb`, {
    metadata: meta(BUILDKITD, a.name, ns, { [INSTANCE]: a.name }),
    spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selector } },
  });

  // headless: DNS returns every ready pod, which HAProxy's server-template fills its slots with
  new k8s.KubeService(chart, `${a.name}-pods`, {
    metadata: meta(BUILDKITD, `${a.name}-pods`, ns, { [INSTANCE]: a.name }),
    spec: {
      clusterIp: 'None',
      selector,
      ports: [{ name: 'grpc', port: BUILDKIT_PORT, targetPort: IntOrString.fromString('grpc'), protocol: 'TCP' }],
    },
  });
}

/** The scripts ConfigMap shared by every arch. */
export function addScripts(chart: ComponentChart, b: BuildkitConfig, drain: string): void {
  new k8s.KubeConfigMap(chart, SCRIPTS, {
    metadata: meta(BUILDKITD, SCRIPTS, b.namespaces.farm),
    data: { [DRAIN_FILE]: drain },
  });
}
