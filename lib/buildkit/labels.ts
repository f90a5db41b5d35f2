// Names, labels and annotations of the farm's objects, shared by its constructs.
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { createHash } from 'crypto';
import { LABEL } from '../core/chart';

export const BUILDKITD = 'buildkitd';
export const LB = 'buildkit-lb';
/** Prefix of each arch's Karpenter NodePool and EC2NodeClass (`buildkit-<arch>`). */
export const NODE_POOL = 'buildkit';
export const INSTANCE = 'app.kubernetes.io/instance';

/** Labels that select the pods of one arch's Deployment. */
export const buildkitdSelector = (name: string) => ({ [LABEL.name]: BUILDKITD, [INSTANCE]: name });
/** Labels that select every BuildKit pod (all arches). */
export const anyBuildkitd = { [LABEL.name]: BUILDKITD };
export const lbSelector = { [LABEL.name]: LB };
/** Labels of the KEDA operator's pods and Service (KEDA Helm chart); the operator runs the scalers. */
export const KEDA_OPERATOR = { [LABEL.name]: 'keda-operator' };

/** Pod-template annotation that rolls the pods when a mounted file changes (content hash, not name). */
export const checksum = (file: string, content: string): Record<string, string> => ({
  [`checksum/${file}`]: createHash('sha256').update(content).digest('hex'),
});

/**
 * The chart's app.kubernetes.io/component and part-of labels, for pod templates: cdk8s stamps a
 * chart's labels on its objects, not on the pods a Deployment creates. Read from the chart, so the
 * farm needs no prop for them and a library user's chart labels its pods like its objects.
 */
export function chartPodLabels(scope: Construct): Record<string, string> {
  const labels = Chart.of(scope).labels;
  const keys = [LABEL.component, LABEL.partOf].filter((k) => labels[k] !== undefined);
  return Object.fromEntries(keys.map((k) => [k, labels[k]]));
}
