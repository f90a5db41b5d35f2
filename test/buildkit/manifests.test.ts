// What the farm's manifests promise, stated as rules and checked against the rendered output.
// Expected numbers come from the cluster config (or the one function that derives them).
import { createHash } from 'crypto';
import { parse } from 'yaml';
import { ArchFleet, BUILDKIT_PORT, DEBUG_PORT, GATE_PORT, fleet, podGraceSeconds } from '../../lib/buildkit/fleet';
import { durationSeconds } from '../../lib/buildkit/duration';
import { METRICS_PORT, podsHost } from '../../lib/buildkit/haproxy/config';
import { GiB, cpuCores, memoryBytes } from '../../lib/core/quantity';
import { PRODUCTION, STAGING, buildkitFiles, config, objects, raw } from './support';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const archsOf = (r: any): ArchFleet[] => fleet(config(r).buildkit!);

describe.each([STAGING, PRODUCTION])('%s buildkit manifests', (name) => {
  const r = raw(name);
  const b = config(r).buildkit!;
  const objs = objects(r);
  const files = buildkitFiles(r);
  const cfg = files.get('haproxy.cfg')!;

  describe.each(archsOf(r).map((a) => [a.arch, a] as const))('%s', (_, a) => {
    const deployment = objs.get(`deployment-${a.name}.yaml`);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];

    it('is Guaranteed, sized by fleet.ts in whole CPUs and GiB, and podsPerNode pods fit the allocatable Karpenter plans with', () => {
      for (const c of [...pod.containers, ...pod.initContainers]) expect(c.resources.requests).toEqual(c.resources.limits);
      const { requests } = container.resources;
      expect(cpuCores(requests.cpu)).toBe(a.pod.cpu);
      expect(memoryBytes(requests.memory)).toBe(a.pod.memoryGiB * GiB);
      // the pod's request: its containers (the init step runs alone, with buildkitd's size)
      const podCpu = pod.containers.reduce((n: number, c: any) => n + cpuCores(c.resources.requests.cpu), 0);
      const podMemory = pod.containers.reduce((n: number, c: any) => n + memoryBytes(c.resources.requests.memory), 0);
      const overhead = b.sizing.daemonsetOverhead;
      expect(a.podsPerNode * podCpu + cpuCores(overhead.cpu)).toBeLessThanOrEqual(a.node.allocatable.cpu);
      expect(a.podsPerNode * podMemory + memoryBytes(overhead.memory)).toBeLessThanOrEqual(a.node.allocatable.memory);
    });

    it('has fixed replicas only without autoscaling', () => {
      expect(deployment.spec.replicas).toBe(b.autoscaling.enabled ? undefined : a.replicas);
      expect(objs.has(`scaledobject-${a.name}.yaml`)).toBe(b.autoscaling.enabled);
    });

    it('drains before it stops: preStop script, grace = timeout server + slack, one pod at a time', () => {
      expect(pod.terminationGracePeriodSeconds).toBe(b.haproxy.timeoutServerMinutes * 60 + b.drain.slackSeconds);
      expect(container.lifecycle.preStop.exec.command.slice(1)).toEqual(
        [container.ports[0].containerPort, b.drain.settleSeconds, b.drain.pollSeconds].map(String));
      const scripts = pod.volumes.find((v: any) => v.configMap?.name === 'buildkitd-scripts');
      expect(scripts.configMap.defaultMode).toBe(0o555);
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
      expect(objs.get(`poddisruptionbudget-${a.name}.yaml`).spec.maxUnavailable).toBe(1);
    });

    it('keeps its cache in its own directory on the instance store, named by its UID, orphans cleaned first', () => {
      const cache = pod.volumes.find((v: any) => v.hostPath?.path === b.cache.hostPath);
      const mount = container.volumeMounts.find((m: any) => m.name === cache.name);
      const uid = { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } };
      expect(mount.subPathExpr).toBe('$(POD_UID)');
      expect(container.env).toContainEqual(uid);
      // the init step sees the whole cache root and, read-only, which pod UIDs the kubelet still has
      const [cleanup] = pod.initContainers;
      expect(cleanup.env).toContainEqual(uid);
      const kubelet = pod.volumes.find((v: any) => v.hostPath?.path === '/var/lib/kubelet/pods');
      expect(cleanup.volumeMounts).toContainEqual({ name: kubelet.name, mountPath: '/var/lib/kubelet/pods', readOnly: true });
      const root = cleanup.volumeMounts.find((m: any) => m.name === cache.name);
      expect(root.subPathExpr).toBeUndefined();
      expect(cleanup.command.slice(1)).toEqual([root.mountPath, '/var/lib/kubelet/pods', '$(POD_UID)']);
    });

    it('keeps its deletion cost up to date from a sidecar, the only container with an API token', () => {
      const annotator = pod.containers.find((c: any) => c.name === 'deletion-cost');
      expect(annotator.image).toBe(b.images.kubectl);
      expect(annotator.command[0]).toBe('/opt/buildkit/deletion-cost.sh');
      expect(annotator.command[1]).toBe(String(BUILDKIT_PORT));
      // no automounted token: the projected one is mounted into the sidecar alone
      expect(pod.automountServiceAccountToken).toBe(false);
      const token = pod.volumes.find((v: any) => v.projected?.sources.some((s: any) => s.serviceAccountToken));
      const mounting = [...pod.containers, ...pod.initContainers].filter((c: any) => c.volumeMounts?.some((m: any) => m.name === token.name));
      expect(mounting.map((c: any) => c.name)).toEqual(['deletion-cost']);
      expect(annotator.volumeMounts).toContainEqual({ name: token.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
      expect(pod.serviceAccountName).toBe(objs.get('serviceaccount-buildkitd.yaml').metadata.name);
    });

    it('has a gate the HAProxy check watches, closed as soon as the pod terminates (no preStop)', () => {
      const gate = pod.containers.find((c: any) => c.name === 'gate');
      expect(gate.ports).toEqual([{ name: 'gate', containerPort: GATE_PORT, protocol: 'TCP' }]);
      expect(gate.lifecycle).toBeUndefined();
      expect(gate.image).toBe(b.images.haproxy);
      const service = objs.get(`service-${a.name}-pods.yaml`).spec;
      // terminating pods stay in DNS, so a draining pod keeps its own slot
      expect(service).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    });

    it('rolls its pods when a mounted file changes (sha256 of the content)', () => {
      const toml = objs.get(`configmap-${a.name}-config.yaml`).data['buildkitd.toml'];
      const drain = objs.get('configmap-buildkitd-scripts.yaml').data['drain.sh'];
      const scripts = objs.get('configmap-buildkitd-scripts.yaml').data;
      expect(deployment.spec.template.metadata.annotations).toEqual({
        'checksum/buildkitd.toml': sha256(toml),
        'checksum/drain.sh': sha256(drain),
        'checksum/cache-cleanup.sh': sha256(scripts['cache-cleanup.sh']),
        'checksum/gate.cfg': sha256(scripts['gate.cfg']),
        'checksum/deletion-cost.sh': sha256(scripts['deletion-cost.sh']),
      });
    });

    it('runs one step at a time with GC limits from its share of the NVMe', () => {
      const toml = objs.get(`configmap-${a.name}-config.yaml`).data['buildkitd.toml'];
      expect(toml).toMatch(/^max-parallelism = 1$/m);
      const gib = (key: string) => Number(new RegExp(`^${key} = "(\\d+)GiB"$`, 'm').exec(toml)![1]) * GiB;
      const disk = a.instance.nvme.disks * a.instance.nvme.sizeGB * 1e9;
      // every pod of a node at its limit still leaves the free share untouched
      expect(a.podsPerNode * gib('maxUsedSpace')).toBeLessThanOrEqual(disk * (1 - b.cache.freePercent / 100));
      expect(gib('minFreeSpace')).toBeGreaterThanOrEqual((disk * b.cache.freePercent) / 100);
      expect(gib('reservedSpace')).toBeLessThanOrEqual(gib('maxUsedSpace'));
    });

    it('lands only on its NodePool, which is sized for the most pods it can have', () => {
      const nodePool = objs.get(`nodepool-${a.nodePool}.yaml`);
      const labels = nodePool.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(labels)) expect(pod.nodeSelector[k]).toBe(v);
      expect(pod.tolerations).toEqual(nodePool.spec.template.spec.taints.map((t: any) => ({ ...t, operator: 'Equal' })));
      // limits = ceil((most pods + pods draining at once) / pods per node) x the instance's capacity, where
      // a node drain (the disruption budget's nodes) drains all their pods at once
      // or a scale-down step (max(pods, percent of max), down to min) of possibly busy pods
      const s = b.autoscaling;
      const step = s.enabled ? Math.min(Math.max(s.scaleDownPods, Math.ceil((a.max * s.scaleDownPercent) / 100)), a.max - a.min) : 0;
      const draining = Math.max(1, b.karpenter.disruptionBudgetNodes * a.podsPerNode, step);
      const nodes = Math.ceil((Math.max(a.max, a.replicas ?? 0) + draining) / a.podsPerNode);
      expect(cpuCores(nodePool.spec.limits.cpu)).toBe(nodes * a.instance.vcpu);
      expect(memoryBytes(nodePool.spec.limits.memory)).toBe(nodes * memoryBytes(a.instance.memory));
      expect(durationSeconds(nodePool.spec.template.spec.terminationGracePeriod)).toBeGreaterThanOrEqual(pod.terminationGracePeriodSeconds);
      const nodeClass = objs.get(`ec2nodeclass-${a.nodePool}.yaml`);
      expect(nodeClass.spec.kubelet.maxPods).toBe(a.instance.maxPods);
      expect(nodeClass.spec.amiSelectorTerms).toEqual([{ alias: b.amiAlias }]);
      expect(nodeClass.spec.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    });

    it('is one HAProxy frontend and backend with a slot for every pod the NodePool can hold', () => {
      const backend = cfg.split('\n\n').find((s) => s.includes(`backend ${a.name}\n`))!;
      expect(backend).toContain('    balance leastconn');
      const template = new RegExp(`server-template pod (\\d+) ${podsHost(b, a).replace(/\./g, '\\.')}:\\d+ .*maxconn 1$`, 'm').exec(backend);
      const nodePool = objs.get(`nodepool-${a.nodePool}.yaml`);
      const nodes = cpuCores(nodePool.spec.limits.cpu) / a.instance.vcpu;
      expect(Number(template![1])).toBe(nodes * a.podsPerNode);
      // at least the most pods plus a node's worth draining beside their replacements
      expect(Number(template![1])).toBeGreaterThanOrEqual(Math.max(a.max, a.replicas ?? 0) + b.karpenter.disruptionBudgetNodes * a.podsPerNode);
      // a pod is up only while buildkitd and its gate both accept connections
      expect(backend).toContain(`    option tcp-check\n    tcp-check connect port ${BUILDKIT_PORT}\n    tcp-check connect port ${GATE_PORT}\n`);
      expect(cfg).toContain(`frontend ${a.name}\n    bind :${a.lbPort}\n`);
      const service = objs.get(`service-${a.name}.yaml`);
      const lbPorts = objs.get('deployment-buildkit-lb.yaml').spec.template.spec.containers[0].ports;
      expect(lbPorts.find((p: any) => p.name === service.spec.ports[0].targetPort).containerPort).toBe(a.lbPort);
    });

    if (b.autoscaling.enabled) {
      it('is scaled by KEDA on its backend\'s sessions, holding idle pods for the configured time', () => {
        const spec = objs.get(`scaledobject-${a.name}.yaml`).spec;
        const hold = b.autoscaling.scaleDownHoldMinutes * 60;
        expect(spec).toMatchObject({ minReplicaCount: a.min, maxReplicaCount: a.max });
        expect(spec.fallback).toBeUndefined(); // staging configures none
        expect(spec.triggers).toEqual([{
          type: 'metrics-api',
          metricType: 'AverageValue',
          metadata: {
            url: `http://buildkit-lb-metrics.${b.namespaces.farm}.svc.${b.clusterDomain}:${METRICS_PORT}/metrics`,
            format: 'prometheus',
            valueLocation: `haproxy_backend_current_sessions{proxy="${a.name}"}`,
            targetValue: '1',
          },
          useCachedMetrics: false,
        }]);
        expect(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown).toEqual({
          stabilizationWindowSeconds: hold,
          policies: [
            { type: 'Pods', value: b.autoscaling.scaleDownPods, periodSeconds: hold },
            { type: 'Percent', value: b.autoscaling.scaleDownPercent, periodSeconds: hold },
          ],
          selectPolicy: 'Max',
        });
      });
    }
  });

  it('rolls HAProxy when haproxy.cfg changes, and gives it the grace to finish running builds', () => {
    const lb = objs.get('deployment-buildkit-lb.yaml');
    expect(lb.spec.template.metadata.annotations).toEqual({ 'checksum/haproxy.cfg': sha256(cfg) });
    expect(lb.spec.replicas).toBe(b.haproxy.replicas);
    expect(lb.spec.template.spec.terminationGracePeriodSeconds).toBe(podGraceSeconds(b));
    expect(cfg).toContain(`    hard-stop-after ${b.haproxy.timeoutServerMinutes}m\n`);
  });

  it('sets the HAProxy timeouts from the config, with an explicit queue timeout', () => {
    const h = b.haproxy;
    for (const line of [`timeout connect ${h.timeoutConnectSeconds}s`, `timeout client ${h.timeoutClientMinutes}m`,
      `timeout server ${h.timeoutServerMinutes}m`, `timeout queue ${h.timeoutQueueSeconds}s`, 'mode tcp', 'parse-resolv-conf'])
      expect(cfg).toContain(`    ${line}\n`);
    expect(cfg).toMatch(/frontend metrics\n(    .*\n)*    bind :9404\n(    .*\n)*    http-request use-service prometheus-exporter if \{ path \/metrics \}/);
    expect(cfg).toMatch(/frontend stats\n(    .*\n)*    bind :8404\n/);
  });

  it('lets runners reach the build ports, HAProxy the pods, Prometheus and KEDA the metrics, nobody else', () => {
    const lb = objs.get('networkpolicy-buildkit-lb.yaml').spec.ingress;
    const from = (ns: string) => lb.find((rule: any) => rule.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === ns);
    expect(from(b.namespaces.runners).ports.map((p: any) => p.port)).toEqual(archsOf(r).map((a) => a.lbPort));
    expect(from(config(r).monitoring.namespace).ports).toEqual([{ protocol: 'TCP', port: METRICS_PORT }]);
    expect(from(b.namespaces.keda)).toMatchObject({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } } }], ports: [{ port: METRICS_PORT }] });
    const pods = objs.get('networkpolicy-buildkitd.yaml').spec;
    expect(pods.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'buildkit-lb' } } }], ports: [BUILDKIT_PORT, GATE_PORT].map((port) => ({ protocol: 'TCP', port })) },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': config(r).monitoring.namespace } } }], ports: [{ protocol: 'TCP', port: DEBUG_PORT }] },
    ]);
    expect(objs.get('networkpolicy-default-deny-ingress.yaml').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('has ServiceMonitors for HAProxy, buildkitd and KEDA that Prometheus selects', () => {
    for (const f of ['servicemonitor-buildkit-lb.yaml', 'servicemonitor-buildkitd.yaml', 'servicemonitor-keda-operator.yaml']) {
      expect(objs.get(f).metadata.labels).toMatchObject(b.serviceMonitorLabels);
      expect(objs.get(f).metadata.namespace).toBe(config(r).monitoring.namespace);
    }
    expect(objs.get('servicemonitor-keda-operator.yaml').spec.namespaceSelector).toEqual({ matchNames: [b.namespaces.keda] });
    // buildkitd's debug address serves /metrics; the headless pod Services carry its port
    const monitor = objs.get('servicemonitor-buildkitd.yaml').spec;
    expect(monitor.endpoints).toEqual([{ port: 'metrics', path: '/metrics' }]);
    for (const a of archsOf(r)) {
      const service = objs.get(`service-${a.name}-pods.yaml`);
      expect(service.metadata.labels).toMatchObject(monitor.selector.matchLabels);
      expect(service.spec.ports).toContainEqual({ name: 'metrics', port: DEBUG_PORT, targetPort: 'metrics', protocol: 'TCP' });
    }
  });

  it('lets the BuildKit pods patch pods in the farm namespace, and nothing else', () => {
    const role = objs.get('role-buildkitd-deletion-cost.yaml');
    expect(role.metadata.namespace).toBe(b.namespaces.farm);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['patch'] }]);
    const binding = objs.get('rolebinding-buildkitd-deletion-cost.yaml');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'buildkitd', namespace: b.namespaces.farm }]);
    expect([...objs.values()].filter((o) => /ClusterRole/.test(o.kind))).toEqual([]);
    expect(objs.get('serviceaccount-buildkitd.yaml').automountServiceAccountToken).toBe(false);
  });

  it('keeps the privileged farm namespace', () => {
    expect(objs.get(`namespace-${b.namespaces.farm}.yaml`).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });
});

describe('arc-production autoscaling flip', () => {
  it('turns on KEDA with only `autoscaling.enabled`, the fixed replicas becoming the fallback', () => {
    const off = raw(PRODUCTION);
    const on = raw(PRODUCTION);
    on.buildkit.autoscaling.enabled = true;
    const before = buildkitFiles(off);
    const after = buildkitFiles(on);
    const b = config(on).buildkit!;
    const archs = archsOf(on);

    const added = [...after.keys()].filter((f) => !before.has(f));
    expect(added.sort()).toEqual(archs.map((a) => `scaledobject-${a.name}.yaml`).sort());
    expect([...before.keys()].filter((f) => !after.has(f))).toEqual([]);
    const changed = [...before.keys()].filter((f) => before.get(f) !== after.get(f));
    // besides the Deployments and the component's kustomization, only what follows from scale-downs
    // becoming possible: an arch whose scale-down step drains more pods than a node drain gets more
    // slots (haproxy.cfg, so HAProxy rolls) and NodePool room
    const grown = archs.filter((a, i) => a.slots !== archsOf(off)[i].slots);
    expect(grown.every((a, i) => a.draining > archsOf(off)[archs.indexOf(a)].draining)).toBe(true);
    const follow = grown.length > 0 ? ['haproxy.cfg', 'configmap-buildkit-lb.yaml', 'deployment-buildkit-lb.yaml', ...grown.map((a) => `nodepool-${a.nodePool}.yaml`)] : [];
    expect(changed.sort()).toEqual([...archs.map((a) => `deployment-${a.name}.yaml`), 'kustomization.yaml', ...follow].sort());
    // the component's kustomization gains exactly the new ScaledObjects
    const listed = (files: Map<string, string>) => parse(files.get('kustomization.yaml')!).resources as string[];
    expect(listed(after).filter((f) => !listed(before).includes(f)).sort()).toEqual(added.sort());

    for (const a of archs) {
      const d0 = parse(before.get(`deployment-${a.name}.yaml`)!);
      const d1 = parse(after.get(`deployment-${a.name}.yaml`)!);
      expect(d0.spec.replicas).toBe(a.replicas);
      delete d0.spec.replicas;
      expect(d1).toEqual(d0); // the only difference: KEDA owns the replica count
      const so = parse(after.get(`scaledobject-${a.name}.yaml`)!).spec;
      expect(so.fallback).toEqual({ failureThreshold: b.autoscaling.fallbackFailureThreshold, replicas: a.replicas, behavior: 'currentReplicasIfHigher' });
      expect(so).toMatchObject({ minReplicaCount: a.min, maxReplicaCount: a.max });
    }
  });
});
