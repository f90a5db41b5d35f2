// The BuildKit build farm (SPEC 3). Enabled by the `buildkit` section. Every per-arch object comes
// from the architectures list through fleet(); rules are in rules.ts.
import { ScaledObject } from '../../../imports/keda-scaledobjects-keda.sh';
import type { Component } from '../component';
import { ConfigError } from '../../core/errors';
import { generatedHeader } from '../../core/yaml';
import { meta } from '../../core/chart';
import { CLEANUP_FILE, DELETION_COST_FILE, DRAIN_FILE, GATE_FILE, Scripts, addBuildkitd, addScripts } from '../../buildkit/buildkitd';
import { BUILDKITD, INSTANCE } from '../../buildkit/common';
import { fleet } from '../../buildkit/fleet';
import { gateSections, haproxySections } from '../../buildkit/haproxy/config';
import { renderConfig } from '../../buildkit/haproxy/model';
import { scaledObjectSpec } from '../../buildkit/keda';
import { addNodePool } from '../../buildkit/karpenter';
import { addLoadBalancer } from '../../buildkit/lb';
import { addServiceMonitors } from '../../buildkit/monitors';
import { addNetworkPolicies } from '../../buildkit/network';
import { checkBuildkit } from '../../buildkit/rules';
import { CACHE_CLEANUP_SCRIPT, DELETION_COST_SCRIPT, DRAIN_SCRIPT } from '../../buildkit/scripts';

export const buildkit: Component = {
  name: 'buildkit',
  enabled: (c) => c.buildkit !== undefined,
  check: checkBuildkit,
  build: (chart, c) => {
    const b = c.buildkit;
    if (!b) throw new ConfigError([{ cluster: c.name, path: 'buildkit', value: undefined, rule: 'is required for the buildkit component' }]);
    const header = generatedHeader(c.name);
    const archs = fleet(b);

    const scripts: Scripts = {
      [DRAIN_FILE]: DRAIN_SCRIPT,
      [CLEANUP_FILE]: CACHE_CLEANUP_SCRIPT,
      [DELETION_COST_FILE]: DELETION_COST_SCRIPT,
      [GATE_FILE]: renderConfig(gateSections(b), header),
    };
    addScripts(chart, b, scripts);
    for (const a of archs) {
      addBuildkitd(chart, b, a, scripts, header);
      addNodePool(chart, b, a);
      if (b.autoscaling.enabled) {
        new ScaledObject(chart, `${a.name}-scaler`, {
          metadata: meta(BUILDKITD, a.name, b.namespaces.farm, { [INSTANCE]: a.name }),
          spec: scaledObjectSpec(b, a),
        });
      }
    }
    addLoadBalancer(chart, b, archs, renderConfig(haproxySections(b, archs), header));
    addNetworkPolicies(chart, b, archs, c.monitoring.namespace);
    addServiceMonitors(chart, b, c.monitoring.namespace);
  },
};
