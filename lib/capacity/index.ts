// The capacity planner's public surface: the constructs (CapacityPlan, FarmPlan), their props and
// rules, and what other components and the config layer read of a plan. Pool and workload
// questions belong to lib/compute.
export { analysis } from './analysis';
export type { Analysis } from './analysis';
export { CapacityPlan, capacityPlanWarnings, validateCapacityPlan } from './capacity-plan';
export { differences, setAt } from './differences';
export type { Difference } from './differences';
export { cachedFarmPlan, FarmPlan, validateFarmPlan } from './farm/farm-plan';
export { predictedMonthlyCost, simulateFarmPlan } from './farm/plan';
export type { FarmPlanResult } from './farm/plan';
export type { BuildkitFarm, FarmPlanProps, FarmPlanSection, FarmScenario } from './farm/props';
export { farmWhatIf, farmWhatIfMarkdown } from './farm/whatif';
export type { FarmRules } from './farm/whatif';
export { planJson, whatIfJson } from './json';
export { plan, percentText } from './plan';
export type { Plan } from './plan';
export type { CapacityPlanProps, CapacitySection, PlanInput, SizingDocReading } from './props';
export { planMarkdown, whatIfMarkdown } from './report';
export { OBJECTIVES, POLICIES, whatIf } from './whatif';
export type { Objective, Policy } from './whatif';
