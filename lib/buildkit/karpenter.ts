// Karpenter NodePool and EC2NodeClass of an arch (SPEC 3). Both are cluster-scoped: no namespace.
import { Ec2NodeClass, Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType, Ec2NodeClassSpecInstanceStorePolicy,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint, Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6,
  Ec2NodeClassSpecMetadataOptionsHttpTokens } from '../../imports/karpenter-ec2nodeclasses-karpenter.k8s.aws';
import { NodePool, NodePoolSpecDisruptionConsolidationPolicy, NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator as Op, NodePoolSpecTemplateSpecTaintsEffect } from '../../imports/karpenter-nodepools-karpenter.sh';
import type { BuildkitConfig } from '../config/sections/buildkit';
import { formatCpu, formatMemory } from '../core/quantity';
import { ComponentChart, clusterMeta } from '../core/chart';
import { ArchFleet } from './fleet';

const APP = 'buildkit-nodes';
const DISCOVERY = 'karpenter.sh/discovery';

export function addNodePool(chart: ComponentChart, b: BuildkitConfig, a: ArchFleet): void {
  const k = b.karpenter;
  new Ec2NodeClass(chart, `${a.nodePool}-nodeclass`, {
    metadata: clusterMeta(APP, a.nodePool),
    spec: {
      role: b.nodeRole,
      amiSelectorTerms: [{ alias: b.amiAlias }],
      subnetSelectorTerms: [{ tags: { [DISCOVERY]: b.eksCluster } }],
      securityGroupSelectorTerms: [{ tags: { [DISCOVERY]: b.eksCluster } }],
      // the NVMe disks become one RAID0 array holding the kubelet, containerd and the BuildKit cache
      instanceStorePolicy: Ec2NodeClassSpecInstanceStorePolicy.RAID0,
      // hop limit 1: pods (not on the host network) cannot reach the instance role's credentials
      metadataOptions: {
        httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
        // IMDS's IPv6 endpoint ([fd00:ec2::254]) for IPv6 and dual-stack nodes
        httpProtocolIPv6: b.ipFamily === 'ipv4'
          ? Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED : Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.ENABLED,
        httpPutResponseHopLimit: 1,
        httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          rootVolume: true,
          ebs: {
            volumeSize: k.rootVolume, volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
            encrypted: true, deleteOnTermination: true,
          },
        },
      ],
      // the numbers the pod sizing assumed (fleet.ts), made true on the node
      kubelet: {
        maxPods: a.instance.maxPods,
        kubeReserved: { cpu: formatCpu(a.node.kubeReserved.cpu), memory: formatMemory(a.node.kubeReserved.memory) },
        evictionHard: { ...b.kubelet.evictionHard },
      },
    },
  });

  new NodePool(chart, `${a.nodePool}-nodepool`, {
    metadata: clusterMeta(APP, a.nodePool),
    spec: {
      template: {
        metadata: { labels: { [k.nodeLabel]: a.nodePool } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: a.nodePool },
          requirements: [
            { key: 'kubernetes.io/arch', operator: Op.IN, values: [a.arch] },
            { key: 'kubernetes.io/os', operator: Op.IN, values: ['linux'] },
            { key: 'karpenter.sh/capacity-type', operator: Op.IN, values: ['on-demand'] },
            { key: 'node.kubernetes.io/instance-type', operator: Op.IN, values: [a.instanceType] },
          ],
          taints: [{ key: k.nodeLabel, value: a.nodePool, effect: NodePoolSpecTemplateSpecTaintsEffect.NO_SCHEDULE }],
          // Never by default: expiry is forceful (ignores the budget); nodes rotate through drift instead (rules.ts)
          expireAfter: k.expireAfter,
          // >= the BuildKit pods' grace period (checked): a node drain never cuts a draining build short
          terminationGracePeriod: k.terminationGracePeriod,
        },
      },
      disruption: {
        consolidationPolicy: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY,
        consolidateAfter: k.consolidateAfter,
        budgets: [{ nodes: String(k.disruptionBudgetNodes) }],
      },
      // maxNodes x the instance's capacity (fleet.ts: nodesFor, room for the pods draining beside their replacements)
      limits: {
        cpu: NodePoolSpecLimits.fromString(formatCpu(a.limits.cpu)),
        memory: NodePoolSpecLimits.fromString(formatMemory(a.limits.memory)),
      },
    },
  });
}
