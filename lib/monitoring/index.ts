// The monitoring component's public surface: constructs that collect the components' alerts and
// render them (rules, runbooks, guards), the scrape objects the alerts need, and the dashboards.
export { AlertRules, GRAFANA_FILE, PROMETHEUS_FILE, validateAlertRules } from './alert-rules';
export type { AlertRulesProps } from './alert-rules';
export { guardAlerts, neededGuards } from './guards';
export { prometheusGroups, promExpr, RUNBOOKS_FILE } from './render';
export type { GrafanaRules, PromRule, RuleGroup, RuleSettings, Routing } from './render';
export { runbooks } from './runbooks';
export { helmEscape } from './helm';
export { DependencyProbes, StatsdServiceMonitor } from './scrape';
export type { DependencyProbesProps, StatsdServiceMonitorProps } from './scrape';
export { concernsOf, dashboardFile, dashboardsOf, Dashboards, validateDashboards } from './dashboards';
export type { Concern, Dashboard, DashboardChoice, DashboardArch, DashboardRendering, DashboardsProps, FarmArchCost, FarmDashboardInputs, InfrastructureDashboardInputs } from './dashboards';
