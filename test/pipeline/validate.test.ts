import { validateObject, K8sObject } from '../../lib/pipeline/validate';

const labels = {
  'app.kubernetes.io/name': 'x',
  'app.kubernetes.io/component': 'c',
  'app.kubernetes.io/part-of': 'p',
  'app.kubernetes.io/managed-by': 'cdk8s',
};

describe('validateObject', () => {
  it('accepts a valid Deployment', () => {
    const d: K8sObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', namespace: 'n', labels },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    expect(validateObject(d)).toEqual([]);
  });

  it('reports upstream schema errors of built-in kinds', () => {
    const d = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'n', labels },
      spec: { selector: {}, template: { spec: { containers: [{ name: 1 }] } } },
    } as unknown as K8sObject;
    expect(validateObject(d).join()).toMatch(/containers\/0\/name must be string/);
  });

  it('reports schema errors of KEDA, Karpenter and prometheus-operator kinds', () => {
    const so = {
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x', namespace: 'n', labels },
      spec: { scaleTargetRef: { name: 'd' }, triggers: [{ type: 'metrics-api', metadata: { targetValue: 1 } }] },
    } as unknown as K8sObject;
    expect(validateObject(so).join()).toMatch(/metadata\/targetValue must be string/);
    const np = {
      apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'x', labels },
      spec: { template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass' }, requirements: [] } } },
    } as unknown as K8sObject;
    expect(validateObject(np).join()).toMatch(/nodeClassRef must have required property '?name'?/);
    const rule = {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x', namespace: 'n', labels },
      spec: { groups: [{ rules: [] }] },
    } as unknown as K8sObject;
    expect(validateObject(rule).join()).toMatch(/groups\/0 must have required property '?name'?/);
  });

  it('refuses a namespace on cluster-scoped kinds and requires one on namespaced kinds', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'b', labels } } as K8sObject;
    expect(validateObject(ns)).toContain('cluster-scoped Namespace must not have a namespace (has b)');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels } } as K8sObject;
    expect(validateObject(cm)).toContain('namespaced ConfigMap needs a namespace');
  });

  it('requires the four app.kubernetes.io labels', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n', labels: {} } } as K8sObject;
    expect(validateObject(cm)).toEqual(Object.keys(labels).map((l) => `missing label ${l}`));
  });

  it('refuses kinds without an upstream schema', () => {
    const o = { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'a', namespace: 'n', labels } } as K8sObject;
    expect(validateObject(o)).toContain('no upstream schema for example.com/v1 Thing');
  });
});
