// The cluster file's `airflow` section is the props schema of the Airflow worker profiles: it lives
// with the construct (lib/airflow/props.ts); the cluster schema composes it from here.
export { airflowSection } from '../../airflow/props';
export type { AirflowSection as AirflowConfig } from '../../airflow/props';
