// How a construct checks its props. Two kinds of rule, checked at two moments:
// - the component's own rules (plain functions returning Problems, e.g. "slots cover every pod
//   that can be draining"): checked in the constructor, so a broken guarantee never builds;
// - the props' shape and formats (the component's zod schema, the same one the cluster file's
//   section is made of): attached as a cdk8s validation, so `app.synth()` reports them in a
//   library user's app, while the YAML pipeline, which parsed the file with that very schema,
//   neither re-checks nor loads zod on a warm synth.
import type { Construct } from 'constructs';
import { ConfigError, formatProblem, Problem } from './errors';
import { formatPath, valueAt } from './paths';

/** A rule's finding about a construct's props: `path` is relative to the props. */
export type PropsProblem = Omit<Problem, 'cluster' | 'file' | 'line' | 'column'>;

/** Problems of a props object, placed in a cluster file: paths prefixed with the section they came from. */
export const inSection = (cluster: string, section: string, problems: PropsProblem[]): Problem[] =>
  problems.map((p) => ({ ...p, cluster, path: section === '' ? p.path : p.path === '' ? section : `${section}.${p.path}` }));

/** Throws one ConfigError naming the construct (its path in the tree) and every problem. */
export function refuse(scope: Construct, problems: PropsProblem[]): void {
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ ...p, cluster: scope.node.path })));
}

/** A schema the props must satisfy; a function, so zod is loaded only when a validation runs. */
export type PropsSchema = () => { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } };

/**
 * Context key an app sets when every props object in it comes from a file already parsed with the
 * props' schemas (the YAML pipeline): the shape validation is then not attached. cdk8s runs every
 * validation of the app on each chart's toJson(), so re-checking would cost a zod load and a
 * parse per props and chart, for an answer known to be yes.
 */
export const PROPS_PARSED = 'cluster-manifests:props-parsed';

/** Attaches the props' schema as a cdk8s validation (run by `app.synth()` or `node.validate()`). */
export function validateShape(scope: Construct, schema: PropsSchema, props: unknown): void {
  if (scope.node.tryGetContext(PROPS_PARSED) === true) return;
  scope.node.addValidation({
    validate: () => {
      const result = schema().safeParse(props);
      if (result.success) return [];
      return (result.error?.issues ?? []).map((i) =>
        formatProblem({ cluster: scope.node.path, path: formatPath(i.path), value: valueAt(props, i.path), rule: i.message }));
    },
  });
}

/**
 * What a constructor runs first: the shape as a lazy validation (validateShape), then the
 * component's rules, refused at once. The rules read the props as their type says; props of
 * another shape (a library user's typo, a missing section) can make a rule fail, and then the
 * shape's own problems are the answer: a ConfigError naming the field, not a TypeError from deep
 * inside a rule.
 */
export function checkProps<P>(scope: Construct, schema: PropsSchema, props: P, rules: (props: P) => PropsProblem[]): void {
  validateShape(scope, schema, props);
  let problems: PropsProblem[];
  try {
    problems = rules(props);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const shape = schema().safeParse(props);
    if (shape.success) throw e;
    problems = (shape.error?.issues ?? []).map((i) => ({ path: formatPath(i.path), value: valueAt(props, i.path), rule: i.message }));
  }
  refuse(scope, problems);
}
