// The capacity and cost plan as a construct: plan.md, plan.json and plan.svg under its chart's
// folder, the computed plan as a typed handle (`plan`, `warnings`) for dashboards and alerts.
import { generatedFrom } from '../core/yaml';
import { Construct } from 'constructs';
import { validateProfileFit } from '../compute';
import { addFile } from '../core/chart';
import { checkProps, refuse } from '../core/props';
import type { PropsProblem } from '../core/props';
import { analysis } from './analysis';
import { differences } from './differences';
import { planJson } from './json';
import type { Plan } from './plan';
import type { CapacityPlanProps } from './props';
import { planMarkdown } from './report';
import { planSvg } from './svg';

/**
 * Every rule of the plan, paths relative to the props (which mirror the cluster file): the
 * structural rules, then each hard guarantee that fails (worst-node margins, pool max, budget)
 * with its computed fix, and sizing-doc differences that no longer differ.
 */
export const validateCapacityPlan = (props: CapacityPlanProps): PropsProblem[] => analysis(props).problems;

/** The best-effort guarantees that do not hold (CPU burst outside cpuBurstHardFor): reported, never refused. */
export const capacityPlanWarnings = (props: CapacityPlanProps): string[] => analysis(props).warnings;

/**
 * The capacity and cost plan of one cluster (SPEC 5): whether every profile fits its pool, per
 * scenario the nodes first-fit-decreasing packing needs and the worst node's margins, per month
 * the billed cost against the budget. Refuses props whose profiles do not fit their pools or
 * whose hard guarantees fail (ConfigError with the computed fix); writes plan.md, plan.json and
 * plan.svg.
 */
export class CapacityPlan extends Construct {
  /** The computed plan: profiles, scenarios, months, the pools that host scenario pods. */
  readonly plan: Plan;
  /** Best-effort guarantees that do not hold, in words (also listed in plan.md). */
  readonly warnings: string[];

  constructor(scope: Construct, id: string, props: CapacityPlanProps) {
    super(scope, id);
    // the compute section's own rule, which the YAML loader checks before any component: a
    // profile that does not fit its pool (or an unmeasured pool) cannot be packed
    checkProps(this, () => (require('./props') as typeof import('./props')).capacityPlanSchema, props,
      (input: CapacityPlanProps) => validateProfileFit(input.compute).map((x) => ({ ...x, path: `compute.${x.path}` })));
    const { plan, problems, warnings } = analysis(props);
    refuse(this, problems);
    this.plan = plan!;
    this.warnings = warnings;
    addFile(this, 'plan.md', planMarkdown(props, this.plan, warnings, differences(props), generatedFrom(this)));
    addFile(this, 'plan.json', `${JSON.stringify(planJson(this.plan), null, 2)}\n`);
    addFile(this, 'plan.svg', planSvg(this.plan));
  }
}
