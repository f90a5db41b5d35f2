// The capacity and cost plan (SPEC 5). Enabled by the `capacity` section.
import type { Component } from '../components';

export const capacity: Component = {
  name: 'capacity',
  enabled: (c) => c.capacity !== undefined,
  build: () => {},
};
