// The Airflow pools (pools.json, for `airflow pools import`) and the ConfigMap that mounts it into the scheduler.
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { addFile, meta } from '../core/chart';
import { AirflowPool, airflowPools } from './derived';
import { POOLS_CONFIGMAP, POOLS_FILE } from './names';
import type { AirflowWorkersProps } from './props';

export const renderPools = (props: Pick<AirflowWorkersProps, 'compute' | 'cluster'>): string =>
  `${JSON.stringify(airflowPools(props), null, 2)}\n`;

/** One Airflow pool per workload, its slots the pods the capacity plan assumes. */
export class AirflowPools extends Construct {
  /** The pools by name. */
  readonly pools: Readonly<Record<string, AirflowPool>>;
  readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: AirflowWorkersProps) {
    super(scope, id);
    this.pools = airflowPools(props);
    const text = renderPools(props);
    addFile(this, POOLS_FILE, text);
    this.configMap = new k8s.KubeConfigMap(this, 'configmap', {
      metadata: meta(POOLS_CONFIGMAP, POOLS_CONFIGMAP, props.namespace),
      data: { [POOLS_FILE]: text },
    });
  }
}
