// The worker pod templates as files (the executor's pod_template_file reads them from the
// scheduler's mount) and the ConfigMap that bundles them for that mount.
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ObjectFile, meta } from '../core/chart';
import { generatedFrom, generatedHeader, toYaml } from '../core/yaml';
import { TEMPLATES_CONFIGMAP, templateFile } from './names';
import { podTemplate, WorkerPod } from './pod';
import type { AirflowWorkersProps } from './props';

/**
 * A profile's template file, carrying the pod it holds: the pod is never applied, so the pipeline
 * validates it like the applied objects (against the v1 Pod schema) from this.
 */
export class PodTemplateFile extends ObjectFile {
  constructor(scope: Construct, id: string, readonly profile: string, readonly pod: WorkerPod, header: string) {
    super(scope, id, `pod-templates/${templateFile(profile)}`, header + toYaml(pod), pod, `pod template ${profile}`);
  }
}

/** One pod template per profile, and the ConfigMap the scheduler mounts them from. */
export class WorkerPodTemplates extends Construct {
  /** The template file of each profile, by profile name. */
  readonly files: ReadonlyMap<string, PodTemplateFile>;
  readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: AirflowWorkersProps) {
    super(scope, id);
    const chartLabels = Chart.of(this).labels;
    const header = generatedHeader(generatedFrom(this));
    const files = new Map<string, PodTemplateFile>();
    for (const profile of Object.keys(props.compute.profiles))
      files.set(profile, new PodTemplateFile(this, `template-${profile}`, profile, podTemplate(props, profile, chartLabels), header));
    this.files = files;
    this.configMap = new k8s.KubeConfigMap(this, 'configmap', {
      metadata: meta(TEMPLATES_CONFIGMAP, TEMPLATES_CONFIGMAP, props.namespace),
      data: Object.fromEntries([...files].map(([profile, file]) => [templateFile(profile), file.content])),
    });
  }
}
