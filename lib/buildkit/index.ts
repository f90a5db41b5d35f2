// The BuildKit build farm (SPEC 3). Enabled by the `buildkit` section.
import type { Component } from '../components';

export const buildkit: Component = {
  name: 'buildkit',
  enabled: (c) => c.buildkit !== undefined,
  build: () => {},
};
