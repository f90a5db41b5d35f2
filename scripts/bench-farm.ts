// `node -r ./scripts/register.js scripts/bench-farm.ts`: how fast the farm simulator replays a month
// of the day profile for every arch of both farms (the issue's bar: well under a second).
import { CLUSTERS_DIR, loadClusters } from '../lib/config/load';
import { farmPlanProps } from '../lib/config/components/capacity';
import { farmCluster, farmModel } from '../lib/capacity/farm/inputs';
import { runMonth } from '../lib/capacity/farm/plan';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const farms = loadClusters(CLUSTERS_DIR).map((c) => c.config).filter((c) => c.farmPlan && c.buildkit).map((c) => farmCluster(farmPlanProps(c)));
const once = (): number => {
  const start = process.hrtime.bigint();
  for (const f of farms) for (const a of f.archs) runMonth(f, farmModel(f, a), a.arch);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
once(); // JIT warm-up
const samples = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)];
console.log(`a month of day profile, ${farms.map((f) => `${f.name} (${f.archs.map((a) => a.arch).join(', ')})`).join(' and ')}: median ${median.toFixed(0)} ms of ${RUNS} runs`);
process.exitCode = median < 1000 ? 0 : 1;
