// The components a cluster can have. Each one is enabled by its section of the cluster file,
// checks the rules it owns before anything is built, and builds its objects and files into its
// own chart (dist/<cluster>/<component>/). Adding a component means adding one entry here
// (the interface each one implements is ../component.ts).
import { Construct } from 'constructs';
import type { Problem } from '../../core/errors';
import type { ClusterConfig } from '../schema';
import { ComponentChart } from '../../core/chart';
import { PROPS_PARSED } from '../../core/props';
import { clusterFile, GENERATED_FROM } from '../../core/yaml';
import type { Component } from '../component';
import { PodSecurityNamespace } from '../../platform';
import { airflow } from './airflow';
import { buildkit } from './buildkit';
import { capacity } from './capacity';
import { monitoring } from './monitoring';


export const platform: Component = {
  name: 'platform',
  enabled: () => true,
  check: (c) => {
    const names = componentsFor(c).map((x) => x.name);
    return c.namespaces.flatMap((ns, i) =>
      names.includes(ns.component)
        ? []
        : [{ cluster: c.name, path: `namespaces[${i}].component`, value: ns.component,
             rule: `must be a component this cluster builds (${names.join(', ')})` }],
    );
  },
  build: () => {},
};

export const COMPONENTS: Component[] = [platform, airflow, buildkit, monitoring, capacity];

export function componentsFor(c: ClusterConfig): Component[] {
  return COMPONENTS.filter((x) => x.enabled(c));
}

/** Every rule of every enabled component; empty when the cluster can be built. */
export function checkCluster(c: ClusterConfig): Problem[] {
  return componentsFor(c).flatMap((x) => x.check?.(c) ?? []);
}

/** Every best-effort warning of every enabled component, prefixed with the cluster name. */
export function warnCluster(c: ClusterConfig): string[] {
  return componentsFor(c).flatMap((x) => (x.warn?.(c) ?? []).map((w) => `${c.name}: ${w}`));
}

/** Builds every enabled component of one cluster under `scope`. */
export function buildCluster(scope: Construct, c: ClusterConfig): ComponentChart[] {
  return componentsFor(c).map((component) => {
    const chart = new ComponentChart(scope, { cluster: c.name, component: component.name, partOf: c.partOf });
    // what the constructs below need to know about a cluster file: it was parsed with their props'
    // schemas (no second shape check), and its name goes in the generated files' header
    chart.node.setContext(PROPS_PARSED, true);
    chart.node.setContext(GENERATED_FROM, clusterFile(c.name));
    for (const ns of c.namespaces.filter((x) => x.component === component.name))
      new PodSecurityNamespace(chart, `namespace-${ns.name}`, { ...ns, podSecurityVersion: c.podSecurityVersion });
    component.build(chart, c);
    return chart;
  });
}
