// One arch's pool of BuildKit daemons (SPEC 3): buildkitd.toml, a Guaranteed Deployment on the
// arch's NodePool with its cache on the instance store, a PodDisruptionBudget, a headless Service
// HAProxy resolves the pods from, the Karpenter NodePool and EC2NodeClass, and the KEDA
// ScaledObject when the farm autoscales.
import { generatedFrom, generatedHeader } from '../core/yaml';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ScaledObject } from '../../imports/keda-scaledobjects-keda.sh';
import { meta } from '../core/chart';
import { formatCpu } from '../core/quantity';
import { ArchFleet, BUILDKIT_PORT, DEBUG_PORT, GATE_PORT, PDB_MAX_UNAVAILABLE, ROLLING_MAX_UNAVAILABLE, SIDECAR_RESOURCES, podGraceSeconds } from './fleet';
import { anyAddress, serviceFamilies } from './ip-family';
import { scaledObjectSpec } from './keda';
import { addNodePool } from './karpenter';
import { BUILDKITD, INSTANCE, buildkitdSelector, chartPodLabels, checksum } from './labels';
import { BUSY_COST, CLEANUP_FILE, DELETION_COST_FILE, DRAIN_FILE, GATE_FILE, PodScripts, SCRIPTS_CONFIGMAP } from './pod-scripts';
import type { BuildkitSettings } from './props';
import { renderToml, TomlTable } from '../render/toml';

const { IntOrString, Quantity } = k8s;

export const CONFIG_FILE = 'buildkitd.toml';
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

export function buildkitdToml(farm: BuildkitSettings, pool: ArchFleet): TomlTable {
  return {
    root: CACHE_DIR,
    // debugAddress serves pprof and Prometheus /metrics (scraped from the monitoring namespace only)
    grpc: { address: [SOCKET, `tcp://${anyAddress(farm.ipFamily, BUILDKIT_PORT)}`], debugAddress: anyAddress(farm.ipFamily, DEBUG_PORT) },
    worker: {
      oci: {
        enabled: true,
        'max-parallelism': MAX_PARALLELISM,
        gc: true,
        // this pod's share of the node's instance store (see cacheBudget in fleet.ts)
        reservedSpace: `${pool.cache.reservedGiB}GiB`,
        maxUsedSpace: `${pool.cache.maxUsedGiB}GiB`,
        minFreeSpace: `${pool.cache.minFreeGiB}GiB`,
      },
      containerd: { enabled: false },
    },
  };
}

/** Props of one arch's pool: the farm's settings and the arch's derived values (fleet()). */
export interface BuildkitArchPoolProps {
  readonly settings: BuildkitSettings;
  /** This arch's values from fleet(): names, sizes, slots, node limits. */
  readonly pool: ArchFleet;
  /** The files of the scripts ConfigMap: their checksums roll the pods. */
  readonly scripts: PodScripts;
}

const buildctl = (...args: string[]) => ({ command: ['buildctl', '--addr', SOCKET, ...args] });
const podUid = { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } };
const restricted = {
  allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
};
const scriptsMount = { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true };

function sidecarResources(name: keyof typeof SIDECAR_RESOURCES) {
  const r = { cpu: Quantity.fromString(formatCpu(SIDECAR_RESOURCES[name].cpu)), memory: Quantity.fromString(`${SIDECAR_RESOURCES[name].memoryMiB}Mi`) };
  return { requests: r, limits: r };
}

/**
 * One CPU architecture of the farm: its BuildKit Deployment (buildkitd, the gate and the
 * deletion-cost sidecar), PodDisruptionBudget, headless Service, buildkitd.toml, Karpenter
 * NodePool and EC2NodeClass, and its KEDA ScaledObject when the farm autoscales.
 */
export class BuildkitArchPool extends Construct {
  /** This arch's derived values (fleet()): slots, NodePool limits, pod size. */
  readonly pool: ArchFleet;
  /** The rendered buildkitd.toml of its pods. */
  readonly buildkitdToml: string;
  readonly deployment: k8s.KubeDeployment;
  readonly scaledObject?: ScaledObject;

  constructor(scope: Construct, id: string, props: BuildkitArchPoolProps) {
    super(scope, id);
    const { settings, pool } = props;
    this.pool = pool;
    this.buildkitdToml = renderToml(buildkitdToml(settings, pool), generatedHeader(generatedFrom(this)));
    const configMap = `${pool.name}-config`;
    new k8s.KubeConfigMap(this, 'config', {
      metadata: meta(BUILDKITD, configMap, settings.namespaces.farm, { [INSTANCE]: pool.name }),
      data: { [CONFIG_FILE]: this.buildkitdToml },
    });
    this.deployment = this.addDeployment(settings, configMap, props.scripts);
    this.addDisruptionBudgetAndService(settings);
    addNodePool(this, settings, pool);
    if (settings.autoscaling.enabled) {
      this.scaledObject = new ScaledObject(this, 'scaler', {
        metadata: meta(BUILDKITD, pool.name, settings.namespaces.farm, { [INSTANCE]: pool.name }),
        spec: scaledObjectSpec(settings, pool),
      });
    }
  }

  private addDeployment(settings: BuildkitSettings, configMap: string, scripts: PodScripts): k8s.KubeDeployment {
    const pool = this.pool;
    const selector = buildkitdSelector(pool.name);
    return new k8s.KubeDeployment(this, 'deployment', {
      metadata: meta(BUILDKITD, pool.name, settings.namespaces.farm, { [INSTANCE]: pool.name }),
      spec: {
        // with autoscaling KEDA owns the replica count; a fixed one here would fight it on every apply
        ...(settings.autoscaling.enabled ? {} : { replicas: pool.replicas }),
        selector: { matchLabels: selector },
        // never more pods than slots or nodes: replace one at a time, without surge (fleet.ts counts it in drainingPods)
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: IntOrString.fromNumber(0), maxUnavailable: IntOrString.fromNumber(ROLLING_MAX_UNAVAILABLE) },
        },
        template: {
          metadata: {
            labels: { ...selector, ...chartPodLabels(this) },
            annotations: {
              ...checksum(CONFIG_FILE, this.buildkitdToml),
              ...Object.assign({}, ...Object.entries(scripts).map(([file, text]) => checksum(file, text))),
            },
          },
          spec: {
            nodeSelector: { [settings.karpenter.nodeLabel]: pool.nodePool, 'kubernetes.io/arch': pool.arch },
            tolerations: [{ key: settings.karpenter.nodeLabel, operator: 'Equal', value: pool.nodePool, effect: 'NoSchedule' }],
            terminationGracePeriodSeconds: podGraceSeconds(settings),
            // no token for buildkitd (it runs builds); the deletion-cost sidecar mounts one itself
            serviceAccountName: SERVICE_ACCOUNT,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            initContainers: [this.cacheCleanupContainer(settings)],
            containers: [this.buildkitdContainer(settings), gateContainer(settings), deletionCostContainer(settings)],
            volumes: podVolumes(settings, configMap),
          },
        },
      },
    });
  }

  private podResources() {
    const size = { cpu: Quantity.fromString(formatCpu(this.pool.pod.cpu)), memory: Quantity.fromString(`${this.pool.pod.memoryGiB}Gi`) };
    return { requests: size, limits: size };
  }

  /** Orphaned caches (pods gone from this node) are adopted or removed before buildkitd starts. */
  private cacheCleanupContainer(settings: BuildkitSettings): k8s.Container {
    return {
      name: 'cache-cleanup',
      image: settings.images.buildkit,
      command: [`${SCRIPTS_DIR}/${CLEANUP_FILE}`, CACHE_ROOT, KUBELET_PODS, '$(POD_UID)'],
      env: [podUid],
      resources: this.podResources(),
      securityContext: { privileged: true },
      volumeMounts: [
        scriptsMount,
        { name: 'cache', mountPath: CACHE_ROOT },
        { name: 'kubelet-pods', mountPath: KUBELET_PODS, readOnly: true },
      ],
    };
  }

  private buildkitdContainer(settings: BuildkitSettings): k8s.Container {
    const probe = { exec: buildctl('debug', 'workers'), timeoutSeconds: 10 };
    return {
      name: BUILDKITD,
      image: settings.images.buildkit,
      args: ['--config', `${CONFIG_DIR}/${CONFIG_FILE}`],
      env: [podUid],
      ports: [
        { name: 'grpc', containerPort: BUILDKIT_PORT, protocol: 'TCP' },
        { name: 'metrics', containerPort: DEBUG_PORT, protocol: 'TCP' },
      ],
      // requests = limits: Guaranteed QoS, sized in fleet.ts
      resources: this.podResources(),
      // rootful BuildKit: RUN steps need mounts, namespaces and cgroups
      securityContext: { privileged: true },
      startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 60 },
      readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
      livenessProbe: { ...probe, periodSeconds: 30, failureThreshold: 5 },
      lifecycle: {
        preStop: {
          exec: {
            command: [`${SCRIPTS_DIR}/${DRAIN_FILE}`, String(BUILDKIT_PORT), String(settings.drain.settleSeconds), String(settings.drain.pollSeconds)],
          },
        },
      },
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        scriptsMount,
        // one directory per pod, named by its UID (cache-cleanup.sh finds orphans by it): two
        // daemons must never share a state directory
        { name: 'cache', mountPath: CACHE_DIR, subPathExpr: '$(POD_UID)' },
      ],
    };
  }

  private addDisruptionBudgetAndService(settings: BuildkitSettings): void {
    const pool = this.pool;
    const selector = buildkitdSelector(pool.name);
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: meta(BUILDKITD, pool.name, settings.namespaces.farm, { [INSTANCE]: pool.name }),
      spec: { maxUnavailable: IntOrString.fromNumber(PDB_MAX_UNAVAILABLE), selector: { matchLabels: selector } },
    });

    // headless: DNS lists every pod with an address, which HAProxy's server-template fills its slots
    // with. Terminating pods stay listed (publishNotReadyAddresses) until they are gone: a draining pod
    // keeps its slot, which still counts its build against maxconn 1. Were it dropped, HAProxy would
    // hand that busy slot to the next new address (resolvers.c gives a new address to the first
    // slot without one), and the replacement pod would get no build until the old one ends.
    // HAProxy's health check, not DNS, keeps new builds off terminating and starting pods.
    new k8s.KubeService(this, 'pods', {
      metadata: meta(BUILDKITD, `${pool.name}-pods`, settings.namespaces.farm, { [INSTANCE]: pool.name }),
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        ...serviceFamilies(settings.ipFamily),
        selector,
        ports: [
          { name: 'grpc', port: BUILDKIT_PORT, targetPort: IntOrString.fromString('grpc'), protocol: 'TCP' },
          { name: 'metrics', port: DEBUG_PORT, targetPort: IntOrString.fromString('metrics'), protocol: 'TCP' },
        ],
      },
    });
  }
}

/**
 * Open while the pod takes builds; no preStop, so its stop signal closes it as the pod starts
 * terminating and HAProxy's check (haproxy/config.ts) stops routing new builds here.
 */
const gateContainer = (settings: BuildkitSettings): k8s.Container => ({
  name: 'gate',
  image: settings.images.haproxy,
  args: ['-f', `${SCRIPTS_DIR}/${GATE_FILE}`],
  ports: [{ name: 'gate', containerPort: GATE_PORT, protocol: 'TCP' }],
  resources: sidecarResources('gate'),
  securityContext: { runAsNonRoot: true, runAsUser: HAPROXY_USER, runAsGroup: HAPROXY_USER, ...restricted },
  volumeMounts: [scriptsMount],
});

/**
 * Keeps controller.kubernetes.io/pod-deletion-cost high while a build runs, so a scale-down
 * removes idle pods first (deletion-cost.sh; the Role allows patching pods).
 */
const deletionCostContainer = (settings: BuildkitSettings): k8s.Container => ({
  name: 'deletion-cost',
  image: settings.images.kubectl,
  command: [`${SCRIPTS_DIR}/${DELETION_COST_FILE}`, String(BUILDKIT_PORT), String(DELETION_COST_POLL_SECONDS), String(BUSY_COST)],
  env: [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    // kubectl keeps its discovery cache under $HOME: a writable scratch directory
    { name: 'HOME', value: '/tmp' },
  ],
  resources: sidecarResources('deletion-cost'),
  securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, ...restricted },
  volumeMounts: [
    scriptsMount,
    { name: 'api-token', mountPath: SA_DIR, readOnly: true },
    { name: 'kubectl-home', mountPath: '/tmp' },
  ],
});

const podVolumes = (settings: BuildkitSettings, configMap: string): k8s.Volume[] => [
  { name: 'config', configMap: { name: configMap } },
  { name: 'scripts', configMap: { name: SCRIPTS_CONFIGMAP, defaultMode: EXECUTABLE } },
  // on the instance store's RAID0 array, next to (not inside) the kubelet's and containerd's directories
  { name: 'cache', hostPath: { path: settings.cache.hostPath, type: 'DirectoryOrCreate' } },
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
];

/**
 * The pods' ServiceAccount (shared by every arch) with the one right the deletion-cost sidecar
 * needs: patching pods in the farm namespace.
 */
export function addPodServiceAccount(scope: Construct, settings: BuildkitSettings): void {
  const ns = settings.namespaces.farm;
  new k8s.KubeServiceAccount(scope, `${SERVICE_ACCOUNT}-sa`, {
    metadata: meta(BUILDKITD, SERVICE_ACCOUNT, ns),
    automountServiceAccountToken: false,
  });
  const role = `${BUILDKITD}-deletion-cost`;
  new k8s.KubeRole(scope, role, {
    metadata: meta(BUILDKITD, role, ns),
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['patch'] }],
  });
  new k8s.KubeRoleBinding(scope, `${role}-binding`, {
    metadata: meta(BUILDKITD, role, ns),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: ns }],
  });
}
