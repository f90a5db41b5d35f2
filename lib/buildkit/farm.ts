// The BuildKit build farm (SPEC 3) as one construct: a pool per CPU architecture, the HAProxy load
// balancer in front of them, and the NetworkPolicies and ServiceMonitors around them.
import { Construct } from 'constructs';
import { checkProps } from '../core/props';
import { generatedFrom, generatedHeader } from '../core/yaml';
import type { Alert } from '../core/alerts';
import { buildkitFarmAlerts, FarmAlertSettings, farmAlertInputs } from './alerts';
import { BuildkitArchPool, addPodServiceAccount } from './arch-pool';
import { ArchFleet, fleet } from './fleet';
import { gateSections } from './haproxy/config';
import { renderConfig } from '../render/haproxy';
import { BuildkitLoadBalancer } from './load-balancer';
import { addServiceMonitors } from './monitors';
import { addNetworkPolicies } from './network';
import { PodScripts, addScriptsConfigMap, podScripts } from './pod-scripts';
import type { BuildkitFarmProps, BuildkitSettings } from './props';
import { validateBuildkitFarm } from './rules';

/** The props' zod schema, loaded only when a validation runs (the YAML path never needs it). */
const propsSchema = () => (require('./props') as typeof import('./props')).buildkitFarmPropsSchema;

/**
 * A BuildKit build farm on EKS: per architecture a Deployment of rootful buildkitd (one build per
 * pod, cache on the instance store) on its own Karpenter NodePool, scaled by KEDA on the builds in
 * flight; one HAProxy that queues builds and routes each to an idle pod; NetworkPolicies that
 * admit only the build clients, HAProxy and Prometheus; ServiceMonitors for HAProxy, buildkitd
 * and KEDA. Files (haproxy.cfg, gate.cfg) are added to the chart (read them with `filesOf`).
 *
 * Throws a ConfigError when the props break a rule (validateBuildkitFarm); their shape (the zod
 * schema of lib/buildkit/props.ts) is checked by `app.synth()` / `node.validate()`.
 *
 * @example
 * const farm = new BuildkitFarm(chart, 'farm', { ...settings, cluster: 'ci', monitoringNamespace: 'monitoring' });
 * farm.pools[0].slots; // HAProxy server-template slots of the first arch
 */
export class BuildkitFarm extends Construct {
  /** Per arch, in props.architectures order: slots, NodePool limits (maxNodes, limits), pod size, names. */
  readonly pools: ArchFleet[];
  /** The per-arch constructs, in the same order. */
  readonly archPools: BuildkitArchPool[];
  readonly loadBalancer: BuildkitLoadBalancer;
  /** The farm's haproxy.cfg. */
  readonly haproxyCfg: string;
  /** The haproxy.cfg of each BuildKit pod's gate. */
  readonly gateCfg: string;
  /** The settings the farm was built from (the props without the cross-section inputs). */
  readonly settings: BuildkitSettings;

  constructor(scope: Construct, id: string, props: BuildkitFarmProps) {
    super(scope, id);
    checkProps(this, propsSchema, props, validateBuildkitFarm);
    const { cluster, monitoringNamespace, ...settings } = props;
    this.settings = settings;
    this.pools = fleet(settings);
    this.gateCfg = renderConfig(gateSections(settings), generatedHeader(generatedFrom(this)));
    const scripts: PodScripts = podScripts(this.gateCfg);

    addPodServiceAccount(this, settings);
    addScriptsConfigMap(this, settings.namespaces.farm, scripts);
    this.archPools = this.pools.map((pool) => new BuildkitArchPool(this, pool.arch, { settings, pool, scripts }));
    this.loadBalancer = new BuildkitLoadBalancer(this, 'lb', { settings, pools: this.pools });
    this.haproxyCfg = this.loadBalancer.haproxyCfg;
    addNetworkPolicies(this, settings, this.pools, monitoringNamespace);
    addServiceMonitors(this, settings, monitoringNamespace);
  }

  /**
   * The alerts that watch this farm (HAProxy queue and slots, replicas at max, KEDA, Karpenter):
   * give them to an AlertRules, which adds the guards they need. The farm's own numbers come from
   * its props; `monitoring` holds the policy thresholds and the exporters' series selectors.
   */
  alerts(monitoring: FarmAlertSettings): Alert[] {
    return buildkitFarmAlerts(farmAlertInputs(this.settings, monitoring));
  }
}
