// BuildkitFarm props for the construct tests: the example app's farm (examples/buildkit-farm/farm.ts,
// arc-staging's values: two arches, autoscaled, IPv4) under the test's own names. A fresh object
// per call, so a test may change it.
import type { BuildkitFarmProps } from '../../lib/buildkit';
import { farmProps as exampleFarm } from '../../examples/buildkit-farm/farm';

export function farmProps(): BuildkitFarmProps {
  return { ...exampleFarm(), cluster: 'test', eksCluster: 'test-eks', nodeRole: 'KarpenterNodeRole-test' };
}
