// Names, labels and helpers shared by the farm's builders.
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

/** ipFamilies / ipFamilyPolicy of the farm's Services for buildkit.ipFamily. */
export function serviceFamilies(family: 'ipv4' | 'ipv6' | 'dual'): { ipFamilies: string[]; ipFamilyPolicy: string } {
  switch (family) {
    case 'ipv4': return { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' };
    case 'ipv6': return { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' };
    case 'dual': return { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' };
  }
}

/** A listen address ("host:port") on every address of the family: 0.0.0.0 or [::] (dual-stack on Linux). */
export const anyAddress = (family: 'ipv4' | 'ipv6' | 'dual', port: number): string =>
  family === 'ipv4' ? `0.0.0.0:${port}` : `[::]:${port}`;
