// The capacity component: the capacity and cost plan (SPEC 5, enabled by the `capacity` section
// next to `compute`) and the build farm's plan (issue 15, enabled by `farmPlan` next to
// `buildkit`). This file maps the cluster file onto their props and places their problems in it;
// the rules and files are the constructs' (lib/capacity).
import { Component, section } from '../component';
import type { Problem } from '../../core/errors';
import { inSection } from '../../core/props';
import { valueAt } from '../../core/paths';
import { checkBuildkit } from './buildkit';
import {
  CapacityPlan, CapacityPlanProps, capacityPlanWarnings, FarmPlan, FarmPlanProps, setAt, SizingDocReading, validateCapacityPlan, validateFarmPlan,
} from '../../capacity';
import { parseConfig } from '../parse';
import type { ClusterConfig } from '../schema';

/** A sizing-doc difference read in the whole file: its value now, and the sections with the doc's value put back (validated like the file). */
function readSizingDoc(c: ClusterConfig, at: string, doc: unknown): SizingDocReading {
  const current = valueAt(c, at);
  if (current === undefined) return { current };
  const raw: ClusterConfig = structuredClone(c);
  setAt(raw, at, doc);
  const parsed = parseConfig(raw);
  if (!('config' in parsed)) return { current, invalid: parsed.issues.map((i) => i.message) };
  return { current, restored: { compute: parsed.config.compute!, capacity: parsed.config.capacity! } };
}

const planProps = new WeakMap<ClusterConfig, CapacityPlanProps>();

/** The CapacityPlan's props of a cluster with compute and capacity sections (one object per config: check, warn and build share its analysis). */
export function capacityPlanProps(c: ClusterConfig): CapacityPlanProps {
  let props = planProps.get(c);
  if (!props) {
    const compute = section(c, 'compute', 'the capacity plan');
    const capacity = section(c, 'capacity', 'the capacity plan');
    props = {
      cluster: c.name, compute, capacity,
      sizingDoc: capacity.sizingDocDifferences.map((d) => readSizingDoc(c, d.path, d.doc)),
    };
    planProps.set(c, props);
  }
  return props;
}

/** The FarmPlan's props of a cluster with buildkit and farmPlan sections. */
export function farmPlanProps(c: ClusterConfig): FarmPlanProps {
  return { cluster: c.name, buildkit: section(c, 'buildkit', 'the farm plan'), farmPlan: section(c, 'farmPlan', 'the farm plan') };
}

const hasAirflowPlan = (c: ClusterConfig) => c.capacity !== undefined && c.compute !== undefined;
const hasFarmPlan = (c: ClusterConfig) => c.farmPlan !== undefined && c.buildkit !== undefined;

/** The farm plan's rules, once the farm's own hold: a farm the buildkit rules refuse has nothing to replay. */
function checkFarmPlan(c: ClusterConfig): Problem[] {
  if (checkBuildkit(c).length > 0) return [];
  return inSection(c.name, '', validateFarmPlan(farmPlanProps(c)));
}

export const capacity: Component = {
  name: 'capacity',
  enabled: (c) => hasAirflowPlan(c) || hasFarmPlan(c),
  check: (c) => [
    ...(hasAirflowPlan(c) ? inSection(c.name, '', validateCapacityPlan(capacityPlanProps(c))) : []),
    ...(hasFarmPlan(c) ? checkFarmPlan(c) : []),
  ],
  warn: (c) => (hasAirflowPlan(c) ? capacityPlanWarnings(capacityPlanProps(c)) : []),
  build: (chart, c) => {
    if (hasAirflowPlan(c)) new CapacityPlan(chart, 'plan', capacityPlanProps(c));
    if (hasFarmPlan(c)) new FarmPlan(chart, 'farm', farmPlanProps(c));
  },
};
