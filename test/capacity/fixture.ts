// A small cluster's props for the CapacityPlan: two pools (a measured always-on platform node, an
// autoscaled workload pool) and one workload, with figures easy to check by hand:
// - a batch pod requests 3 CPU / 8Gi on a 15.8 CPU / 60Gi allocatable: 5 per node (CPU bound),
//   so the 8 pods (4 per run x 2 runs) need 2 nodes, at most 5 on one;
// - that node: 5 x 7Gi of peaks on 64Gi (margin 1 - 35/64), 5 x 3 CPU of limits on 16 (1 - 15/16);
// - a session of 2 h on 2 nodes, created 5 min apart and kept 10 min idle: 130 + 125 min.
import type { CapacityPlanProps } from '../../lib/capacity';

export function smallCluster(): CapacityPlanProps {
  return {
    cluster: 'small',
    compute: {
      nodeTypes: {
        'PRO2-M': { vcpu: 16, memory: '64Gi', allocatable: { cpu: '15.8', memory: '60Gi' }, eurPerHour: 0.5 },
        'DEV1-L': { vcpu: 4, memory: '8Gi', allocatable: { cpu: '3.8', memory: '6Gi' }, eurPerMonth: 30 },
      },
      pools: {
        platform: { nodeType: 'DEV1-L', min: 1, max: 1, role: 'platform', taints: [] },
        compute: { nodeType: 'PRO2-M', min: 0, max: 3, role: 'workload', scaleUpMinutes: 5, scaleDownIdleMinutes: 10, taints: [] },
      },
      poolLabel: 'k8s.scaleway.com/pool-name',
      platformWorkloads: [{ name: 'scheduler', pool: 'platform', requests: { cpu: '1', memory: '2Gi' } }],
      profiles: { batch: { pool: 'compute', requests: { cpu: '3', memory: '8Gi' }, limits: { cpu: '3', memory: '16Gi' } } },
      workloads: {
        batch: { profile: 'batch', podsPerRun: 4, maxActiveRuns: 2, maxActiveRunsFixed: false, durationHours: 2, peakMemory: '7Gi', exclusiveWith: [] },
      },
    },
    capacity: {
      budgetEurPerMonth: 500,
      fixedCosts: [{ name: 'registry', eurPerMonth: 10 }],
      scenarios: [{ id: 'batch', workloads: ['batch'] }],
      guarantees: { memoryMarginMin: 0.1, cpuBurstMarginMin: 0.05, cpuBurstHardFor: ['batch'] },
      months: [{ id: '2026-01', usage: { batch: { sessions: 10, hours: 2 } } }],
      sizingDocDifferences: [],
    },
  };
}
