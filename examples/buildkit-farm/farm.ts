// The farm, as typed props: two architectures, autoscaled by KEDA on the builds in flight, on
// Karpenter NodePools of NVMe instances. Every number the farm derives (slots, node limits, pod
// sizes) comes from these.
import type { BuildkitFarmProps } from 'cluster-manifests';

export function farmProps(): BuildkitFarmProps {
  return {
    cluster: 'ci-farm',
    monitoringNamespace: 'monitoring',
    eksCluster: 'ci-eks',
    nodeRole: 'KarpenterNodeRole-ci-eks',
    kedaVersion: '2.17',
    namespaces: { farm: 'buildkit', runners: 'arc-runners', keda: 'keda' },
    clusterDomain: 'cluster.local',
    images: {
      buildkit: 'moby/buildkit:v0.29.0@sha256:0039c1d47e8748b5afea56f4e85f14febaf34452bd99d9552d2daa82262b5cc5',
      haproxy: 'haproxy:3.2.12-alpine@sha256:15ef8657ec12e7b19d5b6b6b6fcf6839a0e3cdae85d275be6c867e8a2690f33f',
      kubectl: 'alpine/kubectl:1.37.1@sha256:7b4cc9a9ce0d064cedeb85550266c11f2b32f010ca299525518646261e4d955e',
    },
    ipFamily: 'ipv4',
    amiAlias: 'al2023@v20251112',
    autoscaling: { enabled: true, scaleDownHoldMinutes: 20, scaleDownPods: 10, scaleDownPercent: 20, fallbackFailureThreshold: 3 },
    sizing: { daemonsetOverhead: { cpu: '500m', memory: '1Gi' }, safetyFactor: 0.95 },
    kubelet: { evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%', 'imagefs.available': '15%' } },
    haproxy: {
      replicas: 1, maxConnections: 4096, resources: { cpu: '1', memory: '512Mi' },
      timeoutConnectSeconds: 5, timeoutClientMinutes: 120, timeoutServerMinutes: 120, timeoutQueueSeconds: 15, clientConnectTimeoutSeconds: 20,
    },
    drain: { settleSeconds: 30, pollSeconds: 5, slackSeconds: 120 },
    cache: { hostPath: '/mnt/k8s-disks/0/buildkit', freePercent: 20, reservedPercent: 10 },
    karpenter: {
      nodeLabel: 'buildkit.arc/pool', expireAfter: 'Never', terminationGracePeriod: '3h', consolidateAfter: '5m',
      disruptionBudgetNodes: 1, rootVolume: '100Gi', vmMemoryOverheadPercent: 0.075,
    },
    serviceMonitorLabels: { release: 'kube-prometheus-stack' },
    instanceTypes: {
      'm6id.24xlarge': { arch: 'amd64', vcpu: 96, memory: '384Gi', maxPods: 110, nvme: { disks: 4, sizeGB: 1425 } },
      'm7gd.16xlarge': { arch: 'arm64', vcpu: 64, memory: '256Gi', maxPods: 110, nvme: { disks: 2, sizeGB: 1900 } },
    },
    architectures: [
      { arch: 'amd64', instanceType: 'm6id.24xlarge', podsPerNode: 2, min: 2, max: 8 },
      { arch: 'arm64', instanceType: 'm7gd.16xlarge', podsPerNode: 4, min: 4, max: 8 },
    ],
  };
}
