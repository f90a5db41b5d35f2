// The cluster file's `airflow` section is the props schema of the Airflow worker profiles and lives
// with the construct (lib/airflow/props.ts; lib/config/schema.ts composes it from there). Kept only
// for lib/airflow/alerts.ts's type import until it reads `AirflowSection` from ./props.
export type { AirflowSection as AirflowConfig } from '../../airflow/props';
