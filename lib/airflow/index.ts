// The Airflow component's public surface: what other components and the config layer may use.
export { AIRFLOW_ALERT_NAMES, AIRFLOW_ALERTS, airflowAlerts, dagRunSql, DEPENDENCIES, runLimits, statsdService } from './alerts';
export type { AirflowAlertInputs, Blackbox, Dependency, ProbeTarget, WatchedDag } from './alerts';
export { chartObjects, PROFILE_LABEL } from './model';
