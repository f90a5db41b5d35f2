// The Airflow component's public surface: what other components and the config layer may use.
export { airflowAlerts, DEPENDENCIES, probeTargets, statsdService } from './alerts';
export { chartObjects, PROFILE_LABEL } from './model';
