// One arch's BuildKit daemons (SPEC 3): buildkitd.toml, a Guaranteed Deployment on the arch's
// NodePool with its cache on the instance store, a PodDisruptionBudget and a headless Service
// HAProxy resolves the pods from.
import { k8s } from 'cdk8s-plus-28';
import type { BuildkitConfig } from '../config/sections/buildkit';
import { formatCpu } from '../config/quantity';
import { ComponentChart, LABEL, meta } from '../platform/chart';
import { BUILDKITD, INSTANCE, anyAddress, buildkitdSelector, checksum, serviceFamilies } from './common';
import { ArchFleet, BUILDKIT_PORT, DEBUG_PORT, GATE_PORT, GATE_RESOURCES, PDB_MAX_UNAVAILABLE, ROLLING_MAX_UNAVAILABLE, podGraceSeconds } from './fleet';
import { renderToml, TomlTable } from './toml';

const { IntOrString, Quantity } = k8s;

export const CONFIG_FILE = 'buildkitd.toml';
export const DRAIN_FILE = 'drain.sh';
export const CLEANUP_FILE = 'cache-cleanup.sh';
export const GATE_FILE = 'gate.cfg';
/** The kubelet's per-pod directories: one per pod UID on this node while the pod exists. */
const KUBELET_PODS = '/var/lib/kubelet/pods';
/** uid/gid of the haproxy user in the official image (the gate runs it). */
const HAPROXY_USER = 99;
/** ConfigMap of the scripts mounted into every BuildKit pod. */
export const SCRIPTS = 'buildkitd-scripts';
const SOCKET = 'unix:///run/buildkit/buildkitd.sock';
const CACHE_DIR = '/var/lib/buildkit';
/** Where the init step sees the whole cache root (every pod's directory). */
const CACHE_ROOT = '/cache';
const CONFIG_DIR = '/etc/buildkit';
const SCRIPTS_DIR = '/opt/buildkit';
/** Solver steps run at once in a pod (SPEC 3): with one build per pod, one step at a time. */
const MAX_PARALLELISM = 1;
/** Mode of the mounted scripts: r-x for everyone. */
const EXECUTABLE = 0o555;

export function buildkitdToml(b: BuildkitConfig, a: ArchFleet): TomlTable {
  return {
    root: CACHE_DIR,
    // debugAddress serves pprof and Prometheus /metrics (scraped from the monitoring namespace only)
    grpc: { address: [SOCKET, `tcp://${anyAddress(b.ipFamily, BUILDKIT_PORT)}`], debugAddress: anyAddress(b.ipFamily, DEBUG_PORT) },
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

/** The files of the scripts ConfigMap, shared by every arch: their checksums roll the pods. */
export type Scripts = Record<typeof DRAIN_FILE | typeof CLEANUP_FILE | typeof GATE_FILE, string>;

export function addBuildkitd(chart: ComponentChart, b: BuildkitConfig, a: ArchFleet, scripts: Scripts, header: string): void {
  const ns = b.namespaces.farm;
  const toml = renderToml(buildkitdToml(b, a), header);
  const config = `${a.name}-config`;
  new k8s.KubeConfigMap(chart, `${a.name}-config`, {
    metadata: meta(BUILDKITD, config, ns, { [INSTANCE]: a.name }),
    data: { [CONFIG_FILE]: toml },
  });

  const selector = buildkitdSelector(a.name);
  const resources = { cpu: Quantity.fromString(formatCpu(a.pod.cpu)), memory: Quantity.fromString(`${a.pod.memoryGiB}Gi`) };
  const probe = { exec: buildctl('debug', 'workers'), timeoutSeconds: 10 };
  const gateResources = { cpu: Quantity.fromString(formatCpu(GATE_RESOURCES.cpu)), memory: Quantity.fromString(`${GATE_RESOURCES.memoryMiB}Mi`) };
  const podUid = { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } };
  new k8s.KubeDeployment(chart, a.name, {
    metadata: meta(BUILDKITD, a.name, ns, { [INSTANCE]: a.name }),
    spec: {
      // with autoscaling KEDA owns the replica count; a fixed one here would fight it on every apply
      ...(b.autoscaling.enabled ? {} : { replicas: a.replicas }),
      selector: { matchLabels: selector },
      // never more pods than slots or nodes: replace one at a time, without surge (fleet.ts counts it in drainingPods)
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: IntOrString.fromNumber(0), maxUnavailable: IntOrString.fromNumber(ROLLING_MAX_UNAVAILABLE) },
      },
      template: {
        metadata: {
          labels: { ...selector, [LABEL.component]: chart.component, [LABEL.partOf]: chart.cluster.partOf },
          annotations: {
            ...checksum(CONFIG_FILE, toml),
            ...Object.assign({}, ...Object.entries(scripts).map(([file, text]) => checksum(file, text))),
          },
        },
        spec: {
          nodeSelector: { [b.karpenter.nodeLabel]: a.nodePool, 'kubernetes.io/arch': a.arch },
          tolerations: [{ key: b.karpenter.nodeLabel, operator: 'Equal', value: a.nodePool, effect: 'NoSchedule' }],
          terminationGracePeriodSeconds: podGraceSeconds(b),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          initContainers: [
            {
              // orphaned caches (pods gone from this node) are adopted or removed before buildkitd starts
              name: 'cache-cleanup',
              image: b.images.buildkit,
              command: [`${SCRIPTS_DIR}/${CLEANUP_FILE}`, CACHE_ROOT, KUBELET_PODS, '$(POD_UID)'],
              env: [podUid],
              resources: { requests: resources, limits: resources },
              securityContext: { privileged: true },
              volumeMounts: [
                { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
                { name: 'cache', mountPath: CACHE_ROOT },
                { name: 'kubelet-pods', mountPath: KUBELET_PODS, readOnly: true },
              ],
            },
          ],
          containers: [
            {
              name: BUILDKITD,
              image: b.images.buildkit,
              args: ['--config', `${CONFIG_DIR}/${CONFIG_FILE}`],
              env: [podUid],
              ports: [
                { name: 'grpc', containerPort: BUILDKIT_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: DEBUG_PORT, protocol: 'TCP' },
              ],
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
                // one directory per pod, named by its UID (cache-cleanup.sh finds orphans by it): two
                // daemons must never share a state directory
                { name: 'cache', mountPath: CACHE_DIR, subPathExpr: '$(POD_UID)' },
              ],
            },
            {
              // open while the pod takes builds; no preStop, so SIGTERM closes it as the pod starts
              // terminating and HAProxy's check (haproxy/config.ts) stops routing new builds here
              name: 'gate',
              image: b.images.haproxy,
              args: ['-f', `${SCRIPTS_DIR}/${GATE_FILE}`],
              ports: [{ name: 'gate', containerPort: GATE_PORT, protocol: 'TCP' }],
              resources: { requests: gateResources, limits: gateResources },
              securityContext: {
                runAsNonRoot: true, runAsUser: HAPROXY_USER, runAsGroup: HAPROXY_USER, allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [{ name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true }],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: config } },
            { name: 'scripts', configMap: { name: SCRIPTS, defaultMode: EXECUTABLE } },
            // on the instance store's RAID0 array, next to (not inside) the kubelet's and containerd's directories
            { name: 'cache', hostPath: { path: b.cache.hostPath, type: 'DirectoryOrCreate' } },
            // read by cache-cleanup.sh only: which pod UIDs still exist on this node
            { name: 'kubelet-pods', hostPath: { path: KUBELET_PODS, type: 'Directory' } },
          ],
        },
      },
    },
  });

  new k8s.KubePodDisruptionBudget(chart, `${a.name}-pdb`, {
    metadata: meta(BUILDKITD, a.name, ns, { [INSTANCE]: a.name }),
    spec: { maxUnavailable: IntOrString.fromNumber(PDB_MAX_UNAVAILABLE), selector: { matchLabels: selector } },
  });

  // headless: DNS lists every pod with an address, which HAProxy's server-template fills its slots
  // with. Terminating pods stay listed (publishNotReadyAddresses) until they are gone: a draining pod
  // keeps its slot, which still counts its build against maxconn 1. Were it dropped, HAProxy would
  // hand that busy slot to the next new address (resolvers.c gives a new address to the first
  // slot without one), and the replacement pod would get no build until the old one ends.
  // HAProxy's health check, not DNS, keeps new builds off terminating and starting pods.
  new k8s.KubeService(chart, `${a.name}-pods`, {
    metadata: meta(BUILDKITD, `${a.name}-pods`, ns, { [INSTANCE]: a.name }),
    spec: {
      clusterIp: 'None',
      publishNotReadyAddresses: true,
      ...serviceFamilies(b.ipFamily),
      selector,
      ports: [
        { name: 'grpc', port: BUILDKIT_PORT, targetPort: IntOrString.fromString('grpc'), protocol: 'TCP' },
        { name: 'metrics', port: DEBUG_PORT, targetPort: IntOrString.fromString('metrics'), protocol: 'TCP' },
      ],
    },
  });
}

/** The scripts ConfigMap shared by every arch (the gate's haproxy.cfg too, also written to dist for `haproxy -c`). */
export function addScripts(chart: ComponentChart, b: BuildkitConfig, scripts: Scripts): void {
  chart.file(GATE_FILE, scripts[GATE_FILE]);
  new k8s.KubeConfigMap(chart, SCRIPTS, {
    metadata: meta(BUILDKITD, SCRIPTS, b.namespaces.farm),
    data: { ...scripts },
  });
}
