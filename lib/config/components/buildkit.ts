// The BuildKit build farm (SPEC 3), enabled by the `buildkit` section: the section is the farm's
// props, the cluster supplies the rest (its name, the monitoring namespace). The farm's own rules
// are in lib/buildkit (validateBuildkitFarm); the ones that need other sections are here.
import { BuildkitFarm, validateBuildkitFarm } from '../../buildkit';
import type { BuildkitFarmProps } from '../../buildkit';
import { Component, section } from '../component';
import { Problem, Problems } from '../../core/errors';
import { inSection } from '../../core/props';
import type { ClusterConfig } from '../schema';

/** The farm's props from a cluster that has a buildkit section. */
export function buildkitFarmProps(c: ClusterConfig): BuildkitFarmProps {
  return { ...section(c, 'buildkit', 'the buildkit component'), cluster: c.name, monitoringNamespace: c.monitoring.namespace };
}

/** Rules between the buildkit section and the cluster's namespaces. */
function checkNamespaces(c: ClusterConfig): Problem[] {
  const settings = section(c, 'buildkit', 'the buildkit component');
  const p = new Problems(c.name);
  const namespaces = c.namespaces.map((n) => n.name);
  p.check(namespaces.includes(settings.namespaces.keda), 'buildkit.namespaces.keda', settings.namespaces.keda,
    `must be one of the cluster's namespaces (${namespaces.join(', ')})`);
  const farm = c.namespaces.findIndex((n) => n.name === settings.namespaces.farm);
  if (farm >= 0) {
    p.check(c.namespaces[farm].podSecurity === 'privileged', `namespaces[${farm}].podSecurity`, c.namespaces[farm].podSecurity,
      'the BuildKit namespace must be privileged: rootful buildkitd runs privileged (mounts, namespaces, cgroups for RUN steps)',
      'podSecurity: privileged');
  }
  return p.list;
}

/** Every rule of the buildkit section, placed in the cluster file (`buildkit.<field>`). */
export function checkBuildkit(c: ClusterConfig): Problem[] {
  if (!c.buildkit) return [];
  return [...checkNamespaces(c), ...inSection(c.name, 'buildkit', validateBuildkitFarm(c.buildkit))];
}

export const buildkit: Component = {
  name: 'buildkit',
  enabled: (c) => c.buildkit !== undefined,
  check: checkBuildkit,
  build: (chart, c) => {
    new BuildkitFarm(chart, 'farm', buildkitFarmProps(c));
  },
};
