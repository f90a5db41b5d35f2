// The compute domain (lib/compute) from its props: profile fit with paths relative to the section,
// the pool and workload questions other components ask (the layering of every folder is
// test/architecture/layers.test.ts).
import { exclusive, pool, podGroup, poolsWithRole, validateProfileFit } from '../../lib/compute';
import { GiB } from '../../lib/core/quantity';
import { smallCluster } from './fixture';

describe('compute', () => {
  it('profile fit names the field of the section, the rule and the fix', () => {
    const { compute } = smallCluster();
    expect(validateProfileFit(compute)).toEqual([]);
    compute.profiles.batch.requests.cpu = '4';
    compute.profiles.batch.pool = 'platform';
    // on a DEV1-L (4 vCPU / 8Gi, allocatable 3.8 / 6Gi): the role, 4 CPU over the limit (3) and
    // over the allocatable, a 16Gi limit over the node's memory, 8Gi over the allocatable
    expect(validateProfileFit(compute).map((p) => [p.path, p.value])).toEqual([
      ['profiles.batch.pool', 'platform'],
      ['profiles.batch.requests.cpu', '4'],
      ['profiles.batch.requests.cpu', '4'],
      ['profiles.batch.limits.memory', '16Gi'],
      ['profiles.batch.requests.memory', '8Gi'],
    ]);
    const unmeasured = smallCluster().compute;
    delete unmeasured.nodeTypes['PRO2-M'].allocatable;
    expect(validateProfileFit(unmeasured)).toEqual([expect.objectContaining({
      path: 'pools.compute.nodeType', value: 'PRO2-M',
      fix: 'measure a PRO2-M node and set compute.nodeTypes.PRO2-M.allocatable, or use a measured node type',
    })]);
  });

  it('answers the pool and workload questions in integer units', () => {
    const { compute } = smallCluster();
    expect(poolsWithRole(compute, 'workload')).toEqual(['compute']);
    expect(pool(compute, 'compute')).toMatchObject({ capacity: { cpu: 16000, memory: 64 * GiB }, allocatable: { cpu: 15800, memory: 60 * GiB }, eurPerMonth: 0.5 * 730 });
    expect(pool(compute, 'platform').eurPerHour).toBeCloseTo(30 / 730, 12);
    const batch = podGroup(compute, 'batch');
    expect(batch).toMatchObject({ count: 8, requests: { cpu: 3000, memory: 8 * GiB }, peak: 7 * GiB });
    expect(exclusive(batch, { ...batch, workload: 'other', exclusiveWith: ['batch'] })).toBe(true);
    expect(exclusive(batch, { ...batch, workload: 'other' })).toBe(false);
  });
});

