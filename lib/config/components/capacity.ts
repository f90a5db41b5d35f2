// The capacity and cost plan (SPEC 5). Enabled by the `capacity` section. Its check refuses a
// config that breaks a hard guarantee (with the computed fix); its build writes the report.
import type { Component } from '../component';
import { ConfigError } from '../../core/errors';
import type { ClusterConfig } from '../schema';
import { analysis } from '../../capacity/analysis';
import { differences } from '../../capacity/differences';
import { planJson } from '../../capacity/json';
import { planCluster } from '../../capacity/model';
import { planMarkdown } from '../../capacity/report';
import { planSvg } from '../../capacity/svg';
import { farmFiles, farmProblems } from '../../capacity/farm';

/** The three files of the plan, keyed by their path under dist/<cluster>/capacity/. */
export function planFiles(config: ClusterConfig): Map<string, string> {
  const a = analysis(config);
  if (!a.plan) throw new ConfigError(a.problems);
  const c = planCluster(config);
  return new Map([
    ['plan.md', planMarkdown(c, a.plan, a.warnings, differences(c))],
    ['plan.json', `${JSON.stringify(planJson(a.plan), null, 2)}\n`],
    ['plan.svg', planSvg(a.plan)],
  ]);
}

const hasAirflowPlan = (c: ClusterConfig) => c.capacity !== undefined && c.compute !== undefined;
/** The build farm's plan (lib/capacity/farm): enabled by the farmPlan section next to buildkit. */
const hasFarmPlan = (c: ClusterConfig) => c.farmPlan !== undefined && c.buildkit !== undefined;

export const capacity: Component = {
  name: 'capacity',
  enabled: (c) => hasAirflowPlan(c) || hasFarmPlan(c),
  check: (c) => [...(hasAirflowPlan(c) ? analysis(c).problems : []), ...(hasFarmPlan(c) ? farmProblems(c) : [])],
  warn: (c) => (hasAirflowPlan(c) ? analysis(c).warnings : []),
  build: (chart, c) => {
    if (hasAirflowPlan(c)) for (const [path, content] of planFiles(c)) chart.file(path, content);
    if (hasFarmPlan(c)) for (const [path, content] of farmFiles(c)) chart.file(path, content);
  },
};
