// Airflow worker profiles for the ML platform (SPEC 2). Enabled by the `airflow` section.
import type { Component } from '../components';

export const airflow: Component = {
  name: 'airflow',
  enabled: (c) => c.airflow !== undefined,
  build: () => {},
};
