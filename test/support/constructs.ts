// What one construct of a tree contributes: its Kubernetes objects (as cdk8s synthesizes them, chart
// labels included) and its files, for per-construct tests and snapshots.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { filesOf } from '../../lib/core/chart';

/** The manifests of the objects under `part`, in creation order. */
export const objectsOf = (part: Construct): any[] =>
  part.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject).map((o) => o.toJson());

/** The objects under `part` by `<kind>/<name>`, and its files by path: what a snapshot of the part locks. */
export function outputOf(part: Construct): { objects: Record<string, any>; files: Record<string, string> } {
  return {
    objects: Object.fromEntries(objectsOf(part).map((o) => [`${o.kind}/${o.metadata.name}`, o])),
    files: Object.fromEntries(filesOf(part)),
  };
}
