// Alerts as code (SPEC 4): every cluster has a monitoring section.
import type { Component } from '../components';

export const monitoring: Component = {
  name: 'monitoring',
  enabled: () => true,
  build: () => {},
};
