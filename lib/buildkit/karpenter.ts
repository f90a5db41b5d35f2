// Karpenter NodePool and EC2NodeClass of an arch (SPEC 3). Both are cluster-scoped: no namespace.
import { Ec2NodeClass, Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType, Ec2NodeClassSpecInstanceStorePolicy,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint, Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6,
  Ec2NodeClassSpecMetadataOptionsHttpTokens } from '../../imports/karpenter-ec2nodeclasses-karpenter.k8s.aws';
import { NodePool, NodePoolSpecDisruptionConsolidationPolicy, NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator as Op, NodePoolSpecTemplateSpecTaintsEffect } from '../../imports/karpenter-nodepools-karpenter.sh';
import type { Construct } from 'constructs';
import { formatCpu, formatMemory } from '../core/quantity';
import { clusterMeta } from '../core/chart';
import type { ArchFleet } from './fleet';
import type { BuildkitSettings } from './props';

const APP = 'buildkit-nodes';
const DISCOVERY = 'karpenter.sh/discovery';

/** The arch's EC2NodeClass and NodePool (cluster-scoped: no namespace). */
export function addNodePool(scope: Construct, farm: BuildkitSettings, pool: ArchFleet): void {
  addNodeClass(scope, farm, pool);
  addPool(scope, farm, pool);
}

function addNodeClass(scope: Construct, farm: BuildkitSettings, pool: ArchFleet): void {
  new Ec2NodeClass(scope, 'nodeclass', {
    metadata: clusterMeta(APP, pool.nodePool),
    spec: {
      role: farm.nodeRole,
      amiSelectorTerms: [{ alias: farm.amiAlias }],
      subnetSelectorTerms: [{ tags: { [DISCOVERY]: farm.eksCluster } }],
      securityGroupSelectorTerms: [{ tags: { [DISCOVERY]: farm.eksCluster } }],
      // the NVMe disks become one RAID0 array holding the kubelet, containerd and the BuildKit cache
      instanceStorePolicy: Ec2NodeClassSpecInstanceStorePolicy.RAID0,
      // hop limit 1: pods (not on the host network) cannot reach the instance role's credentials
      metadataOptions: {
        httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
        // IMDS's IPv6 endpoint ([fd00:ec2::254]) for IPv6 and dual-stack nodes
        httpProtocolIPv6: farm.ipFamily === 'ipv4'
          ? Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED : Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.ENABLED,
        httpPutResponseHopLimit: 1,
        httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          rootVolume: true,
          ebs: {
            volumeSize: farm.karpenter.rootVolume, volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
            encrypted: true, deleteOnTermination: true,
          },
        },
      ],
      // the numbers the pod sizing assumed (fleet.ts), made true on the node
      kubelet: {
        maxPods: pool.instance.maxPods,
        kubeReserved: { cpu: formatCpu(pool.node.kubeReserved.cpu), memory: formatMemory(pool.node.kubeReserved.memory) },
        evictionHard: { ...farm.kubelet.evictionHard },
      },
    },
  });
}

function addPool(scope: Construct, farm: BuildkitSettings, pool: ArchFleet): void {
  const karpenter = farm.karpenter;
  new NodePool(scope, 'nodepool', {
    metadata: clusterMeta(APP, pool.nodePool),
    spec: {
      template: {
        metadata: { labels: { [karpenter.nodeLabel]: pool.nodePool } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: pool.nodePool },
          requirements: [
            { key: 'kubernetes.io/arch', operator: Op.IN, values: [pool.arch] },
            { key: 'kubernetes.io/os', operator: Op.IN, values: ['linux'] },
            { key: 'karpenter.sh/capacity-type', operator: Op.IN, values: ['on-demand'] },
            { key: 'node.kubernetes.io/instance-type', operator: Op.IN, values: [pool.instanceType] },
          ],
          taints: [{ key: karpenter.nodeLabel, value: pool.nodePool, effect: NodePoolSpecTemplateSpecTaintsEffect.NO_SCHEDULE }],
          // Never by default: expiry is forceful (ignores the budget); nodes rotate through drift instead (rules.ts)
          expireAfter: karpenter.expireAfter,
          // >= the BuildKit pods' grace period (checked): a node drain never cuts a draining build short
          terminationGracePeriod: karpenter.terminationGracePeriod,
        },
      },
      disruption: {
        consolidationPolicy: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY,
        consolidateAfter: karpenter.consolidateAfter,
        budgets: [{ nodes: String(karpenter.disruptionBudgetNodes) }],
      },
      // maxNodes x the instance's capacity (fleet.ts: nodesFor, room for the pods draining beside their replacements)
      limits: {
        cpu: NodePoolSpecLimits.fromString(formatCpu(pool.limits.cpu)),
        memory: NodePoolSpecLimits.fromString(formatMemory(pool.limits.memory)),
      },
    },
  });
}
