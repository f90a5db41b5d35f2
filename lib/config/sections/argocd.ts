// The optional Argo CD entry point: with a repository URL, synth writes one Application per
// cluster pointing at dist/<cluster>/ (its kustomization.yaml) in that repository.
import { z } from 'zod';
import { dnsLabel } from '../../core/fields';

export const argocdSection = z.strictObject({
  repoURL: z.string().regex(/^(https:\/\/|ssh:\/\/|git@)\S+$/, 'must be a Git URL Argo CD can clone (https://..., ssh://... or git@host:path)')
    .describe('Git repository holding this project (Argo CD clones it), e.g. https://github.com/acme/cluster-manifests.git'),
  targetRevision: z.string().min(1).default('HEAD').describe('Branch, tag or commit Argo CD follows.'),
  path: z.string().regex(/^[^/\s][^\s]*$/, 'must be a relative path inside the repository').optional()
    .describe('Folder of this cluster\'s kustomization.yaml in the repository (default dist/<cluster>).'),
  project: z.string().min(1).default('default').describe('Argo CD project of the Application.'),
  namespace: dnsLabel.default('argocd').describe('Namespace Argo CD runs in (where the Application object goes).'),
  server: z.string().regex(/^https:\/\/\S+$/, 'must be an https:// API server URL').default('https://kubernetes.default.svc')
    .describe('API server of the cluster to deploy to, as registered in Argo CD (default: the cluster Argo CD runs in).'),
});

export type ArgocdConfig = z.infer<typeof argocdSection>;
