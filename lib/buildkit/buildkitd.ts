// One arch's BuildKit daemons (SPEC 3): buildkitd.toml, a Guaranteed Deployment on the arch's
// NodePool with its cache on the instance store, a PodDisruptionBudget and a headless Service
// HAProxy resolves the pods from.
import { k8s } from 'cdk8s-plus-28';
import type { BuildkitConfig } from '../config/sections/buildkit';
import { formatCpu } from '../core/quantity';
import { ComponentChart, LABEL, meta } from '../core/chart';
import { BUILDKITD, INSTANCE, anyAddress, buildkitdSelector, checksum, serviceFamilies } from './common';
import { ArchFleet, BUILDKIT_PORT, DEBUG_PORT, GATE_PORT, PDB_MAX_UNAVAILABLE, ROLLING_MAX_UNAVAILABLE, SIDECAR_RESOURCES, podGraceSeconds } from './fleet';
import { BUSY_COST } from './scripts';
import { renderToml, TomlTable } from './toml';

const { IntOrString, Quantity } = k8s;

export const CONFIG_FILE = 'buildkitd.toml';
export const DRAIN_FILE = 'drain.sh';
export const CLEANUP_FILE = 'cache-cleanup.sh';
export const GATE_FILE = 'gate.cfg';
export const DELETION_COST_FILE = 'deletion-cost.sh';
/** ServiceAccount of the BuildKit pods: only the deletion-cost sidecar gets its token. */
export const SERVICE_ACCOUNT = BUILDKITD;
/** Seconds between two looks of the deletion-cost sidecar at the build connections. */
const DELETION_COST_POLL_SECONDS = 10;
/** Where a container finds the API token, CA and namespace (the client libraries' default). */
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The kubelet's per-pod directories: one per pod UID on this node while the pod exists. */
const KUBELET_PODS = '/var/lib/kubelet/pods';
/** uid/gid of the haproxy user in the official image (the gate runs it). */
const HAPROXY_USER = 99;
/** uid/gid `nobody`: the deletion-cost sidecar needs no user of its own. */
const NOBODY = 65534;
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
export type Scripts = Record<typeof DRAIN_FILE | typeof CLEANUP_FILE | typeof GATE_FILE | typeof DELETION_COST_FILE, string>;

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
  const sidecar = (name: keyof typeof SIDECAR_RESOURCES) => {
    const r = { cpu: Quantity.fromString(formatCpu(SIDECAR_RESOURCES[name].cpu)), memory: Quantity.fromString(`${SIDECAR_RESOURCES[name].memoryMiB}Mi`) };
    return { requests: r, limits: r };
  };
  const restricted = {
    allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
  };
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
          labels: { ...selector, [LABEL.component]: chart.component, [LABEL.partOf]: chart.partOf },
          annotations: {
            ...checksum(CONFIG_FILE, toml),
            ...Object.assign({}, ...Object.entries(scripts).map(([file, text]) => checksum(file, text))),
          },
        },
        spec: {
          nodeSelector: { [b.karpenter.nodeLabel]: a.nodePool, 'kubernetes.io/arch': a.arch },
          tolerations: [{ key: b.karpenter.nodeLabel, operator: 'Equal', value: a.nodePool, effect: 'NoSchedule' }],
          terminationGracePeriodSeconds: podGraceSeconds(b),
          // no token for buildkitd (it runs builds); the deletion-cost sidecar mounts one itself
          serviceAccountName: SERVICE_ACCOUNT,
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
              // open while the pod takes builds; no preStop, so its stop signal closes it as the pod starts
              // terminating and HAProxy's check (haproxy/config.ts) stops routing new builds here
              name: 'gate',
              image: b.images.haproxy,
              args: ['-f', `${SCRIPTS_DIR}/${GATE_FILE}`],
              ports: [{ name: 'gate', containerPort: GATE_PORT, protocol: 'TCP' }],
              resources: sidecar('gate'),
              securityContext: { runAsNonRoot: true, runAsUser: HAPROXY_USER, runAsGroup: HAPROXY_USER, ...restricted },
              volumeMounts: [{ name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true }],
            },
            {
              // keeps controller.kubernetes.io/pod-deletion-cost high while a build runs, so a
              // scale-down removes idle pods first (deletion-cost.sh; the Role allows patching pods)
              name: 'deletion-cost',
              image: b.images.kubectl,
              command: [`${SCRIPTS_DIR}/${DELETION_COST_FILE}`, String(BUILDKIT_PORT), String(DELETION_COST_POLL_SECONDS), String(BUSY_COST)],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                // kubectl keeps its discovery cache under $HOME: a writable scratch directory
                { name: 'HOME', value: '/tmp' },
              ],
              resources: sidecar('deletion-cost'),
              securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, ...restricted },
              volumeMounts: [
                { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
                { name: 'api-token', mountPath: SA_DIR, readOnly: true },
                { name: 'kubectl-home', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: config } },
            { name: 'scripts', configMap: { name: SCRIPTS, defaultMode: EXECUTABLE } },
            // on the instance store's RAID0 array, next to (not inside) the kubelet's and containerd's directories
            { name: 'cache', hostPath: { path: b.cache.hostPath, type: 'DirectoryOrCreate' } },
            // read by cache-cleanup.sh only: which pod UIDs still exist on this node
            { name: 'kubelet-pods', hostPath: { path: KUBELET_PODS, type: 'Directory' } },
            { name: 'kubectl-home', emptyDir: { sizeLimit: Quantity.fromString('64Mi') } },
            // what automounting would give, for the deletion-cost sidecar only
            {
              name: 'api-token',
              projected: {
                sources: [
                  { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  { downwardApi: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
                ],
              },
            },
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

/**
 * The scripts ConfigMap shared by every arch (the gate's haproxy.cfg too, also written to dist for
 * `haproxy -c`), and the pods' ServiceAccount with the one right the deletion-cost sidecar needs:
 * patching pods in the farm namespace.
 */
export function addScripts(chart: ComponentChart, b: BuildkitConfig, scripts: Scripts): void {
  const ns = b.namespaces.farm;
  new k8s.KubeServiceAccount(chart, `${SERVICE_ACCOUNT}-sa`, {
    metadata: meta(BUILDKITD, SERVICE_ACCOUNT, ns),
    automountServiceAccountToken: false,
  });
  const role = `${BUILDKITD}-deletion-cost`;
  new k8s.KubeRole(chart, role, {
    metadata: meta(BUILDKITD, role, ns),
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['patch'] }],
  });
  new k8s.KubeRoleBinding(chart, `${role}-binding`, {
    metadata: meta(BUILDKITD, role, ns),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: ns }],
  });
  chart.file(GATE_FILE, scripts[GATE_FILE]);
  new k8s.KubeConfigMap(chart, SCRIPTS, {
    metadata: meta(BUILDKITD, SCRIPTS, b.namespaces.farm),
    data: { ...scripts },
  });
}
