// Who a worker pod is and how it is scheduled: its ServiceAccount and its PriorityClass.
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterMeta, meta } from '../core/chart';
import { workerPriorityClass, workerServiceAccount } from './names';
import type { AirflowWorkersProps } from './props';

/** The workers' ServiceAccount (no token, no rights) and PriorityClass (never preempts). */
export class WorkerIdentity extends Construct {
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly priorityClass: k8s.KubePriorityClass;

  constructor(scope: Construct, id: string, props: AirflowWorkersProps) {
    super(scope, id);
    // No RoleBinding: a task needs nothing from the Kubernetes API, so its identity gets no rights,
    // and no token (set here because the executor's merge drops a pod template's `false`).
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: meta('airflow-worker', workerServiceAccount(props), props.namespace),
      automountServiceAccountToken: false,
    });
    // Never preempts: a pending worker waits for the autoscaler instead of evicting a running
    // task; above the autoscaler's expendable cutoff (-10), so it still triggers a scale-up.
    this.priorityClass = new k8s.KubePriorityClass(this, 'priority-class', {
      metadata: clusterMeta('airflow-worker', workerPriorityClass(props)),
      value: props.scheduling.priorityClassValue,
      preemptionPolicy: 'Never',
      globalDefault: false,
      description: `Airflow worker pods of release ${props.helm.release} (clusters/${props.cluster}.yaml airflow.scheduling)`,
    });
  }
}
