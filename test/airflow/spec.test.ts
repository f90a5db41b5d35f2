// SPEC conformance of the built-in scw-ml-prod outputs: the SPEC's own literal values (SPEC 1.1 and
// 2), checked on what the generator writes. The literals are the SPEC's words, not copies of the
// output: every other test derives its expectations from the config.
import { parse } from 'yaml';
import { airflowFiles } from './support';

const files = airflowFiles();
const contract = JSON.parse(files.get('profiles.json')!);
const values = parse(files.get('values-prod.yaml')!);
const templates = Object.keys(contract.profiles).map((p) => parse(files.get(`pod-templates/${p}.yaml`)!));
const SPEC_ENV = [{ name: 'GRPC_ENABLE_FORK_SUPPORT', value: '1' }, { name: 'GRPC_POLL_STRATEGY', value: 'poll' }];

describe('SPEC conformance of the built-in config', () => {
  it('retry policy: retries 1, retry_delay 60 s, exponential backoff on, max_retry_delay 300 s', () => {
    expect(contract.retry).toEqual({
      retries: 1, retry_delay_seconds: 60, retry_exponential_backoff: true, max_retry_delay_seconds: 300,
    });
    expect(values.config.core).toEqual({ default_task_retries: 1, default_task_retry_delay: 60, max_task_retry_delay: 300 });
  });

  it('pre-flight guardrail at 70 % of the node memory', () => {
    expect(Object.keys(contract.profiles)).not.toHaveLength(0);
    for (const p of Object.values<any>(contract.profiles)) expect(p.preflight.memory_fraction).toBe(0.7);
  });

  it('the three heavy factors route to the heavy profile', () => {
    expect(contract.heavy_factors).toEqual(['cusum_training_mode', 'n_features', 'btc_features']);
    for (const f of ['cusum_training_mode', 'n_features', 'btc_features']) expect(contract.factors[f].profile).toBe('heavy');
  });

  it('max_active_runs: FTF normal 2, FTF heavy 1', () => {
    const runs = (heavy: boolean) => Object.values<any>(contract.factors)
      .filter((f) => f.heavy === heavy).map((f) => contract.workloads[f.workload].max_active_runs);
    expect(new Set(runs(false))).toEqual(new Set([2]));
    expect(new Set(runs(true))).toEqual(new Set([1]));
  });

  it('every worker pod: compute pool nodeSelector, restartPolicy Never, both fork-safety variables; none in the chart\'s workers.*', () => {
    expect(Object.keys(contract.profiles).sort()).toEqual(['heavy', 'light', 'standard']);
    for (const pod of templates) {
      expect(pod.spec.nodeSelector).toEqual({ 'k8s.scaleway.com/pool-name': 'compute' });
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining(SPEC_ENV));
    }
    // SPEC 2: with pod_template_file redirected, workers.* would reach no worker, so none is emitted;
    // the fork-safety pair is in the values where the chart applies it (its own pods)
    expect(values.workers).toBeUndefined();
    expect(values.env).toEqual(expect.arrayContaining(SPEC_ENV));
  });

  it('the FTF factors named in the source documents, heavy ones routed to the heavy profile', () => {
    expect(Object.keys(contract.factors).sort()).toEqual(
      ['btc_features', 'calibration', 'classification_mode', 'cusum_training_mode', 'fold_size', 'n_features', 'timeframe']);
    for (const f of ['calibration', 'timeframe', 'fold_size', 'classification_mode']) expect(contract.factors[f].profile).toBe('standard');
    // the sizing doc routes by `name in HEAVY_FACTORS`: an unlisted factor is normal
    expect(contract.unknown_factors).toBe('normal');
  });

  it('docker-compose.env has both fork-safety variables', () => {
    for (const e of SPEC_ENV) expect(files.get('docker-compose.env')).toContain(`\n${e.name}=${e.value}\n`);
  });
});
