// `npm run -s plan -- --cluster NAME [--json] [--objective O --policy P]`: the capacity and cost
// plan of a cluster (the same one synth writes to dist/<cluster>/capacity/), optionally with a
// what-if answer. Exits 1 when a hard guarantee fails (the problems, with their fixes, go to
// stderr). `-s` matters with --json: without it npm prints its `> script` banner on stdout.
import { clusterFile } from '../lib/core/yaml';
import {
  analysis, differences, farmWhatIf, farmWhatIfMarkdown, Objective, OBJECTIVES, planJson, planMarkdown, Policy, POLICIES,
  simulateFarmPlan, whatIf, whatIfJson, whatIfMarkdown,
} from '../lib/capacity';
import { farmJson, farmMarkdown } from '../lib/capacity/farm/report';
import { checkBuildkit } from '../lib/config/components/buildkit';
import { formatProblem } from '../lib/core/errors';
import { inSection } from '../lib/core/props';
import { capacityPlanProps, farmPlanProps } from '../lib/config/components/capacity';
import { reportFailure } from '../lib/pipeline/cli';
import { CLUSTERS_DIR, loadClusters } from '../lib/config/load';
import { oneOf, parseArgs, usageLine, UsageError } from '../lib/pipeline/args';

const USAGE = `npm run -s plan -- [--cluster NAME]... [--json] [--objective ${OBJECTIVES.join('|')}] [--policy ${POLICIES.join('|')}] [--clusters-dir DIR]
  The capacity and cost plan of every cluster with a capacity section (or the named ones), optionally a what-if.
  --cluster NAME      only this cluster (repeatable; --json needs exactly one)
  --json              the plan (and what-if answer) as JSON on stdout
  --objective O       answer a what-if: ${OBJECTIVES.join(', ')}
  --policy P          how far the what-if may go: ${POLICIES.join(', ')} (default safe; needs --objective)
  --clusters-dir DIR  read cluster files from DIR (default clusters/)
  --help, -h          print this and exit 0
  -s keeps npm's "> script" banner off stdout, so --json output parses; or run node -r ./scripts/register.js scripts/plan.ts ...
Exit codes: 0 done, 1 a hard guarantee fails (problems and fixes on stderr), 2 usage, 3 a bug.`;

function main(argv: string[]): number {
  const opts = parseArgs(argv, USAGE, ['--json'], ['--objective', '--policy']);
  const objective = oneOf<Objective>('--objective', opts.values.get('--objective'), OBJECTIVES, USAGE);
  const policy = oneOf<Policy>('--policy', opts.values.get('--policy'), POLICIES, USAGE) ?? 'safe';
  if (opts.values.has('--policy') && !objective) throw new UsageError(`--policy needs --objective\nusage: ${usageLine(USAGE)}`);

  const clusters = loadClusters(opts.clustersDir ?? CLUSTERS_DIR, opts.only)
    .map((x) => x.config)
    .filter((c) => (c.capacity && c.compute) || (c.farmPlan && c.buildkit));
  if (clusters.length === 0) throw new UsageError(`no selected cluster has a capacity or farmPlan section\nusage: ${usageLine(USAGE)}`);
  const json = opts.flags.has('--json');
  if (json && clusters.length !== 1) throw new UsageError(`--json needs exactly one --cluster\nusage: ${usageLine(USAGE)}`);

  let failed = false;
  for (const config of clusters) {
    if (config.farmPlan && config.buildkit) {
      // the build farm's plan (lib/capacity/farm): the same one synth writes to capacity/farm.*
      const f = simulateFarmPlan(farmPlanProps(config));
      if (f.problems.length > 0) {
        failed = true;
        console.error(`${config.name}: farm guarantees fail, synthesis would refuse this config:\n${inSection(config.name, '', f.problems).map(formatProblem).join('\n')}`);
      }
      // the farm what-if replays a month per candidate: only on request, never on synth
      const rules = (buildkit: typeof config.buildkit) => checkBuildkit({ ...config, buildkit });
      const answer = objective ? farmWhatIf(farmPlanProps(config), objective, policy, rules) : undefined;
      if (json) process.stdout.write(`${JSON.stringify(answer ? { ...farmJson(f), whatIf: answer } : farmJson(f), null, 2)}\n`);
      else process.stdout.write(farmMarkdown(f, clusterFile(config.name)) + (answer ? `\n${farmWhatIfMarkdown(answer)}` : ''));
    }
    if (!config.capacity || !config.compute) continue;
    const c = capacityPlanProps(config);
    const a = analysis(c);
    for (const w of a.warnings) console.error(`warning: ${config.name}: ${w}`);
    if (a.problems.length > 0) {
      failed = true;
      console.error(`${config.name}: hard guarantees fail, synthesis would refuse this config:\n${inSection(config.name, '', a.problems).map(formatProblem).join('\n')}`);
    }
    if (!a.plan) continue;
    const answer = objective ? whatIf(c, objective, policy) : undefined;
    if (json) {
      const out = answer ? { ...planJson(a.plan), whatIf: whatIfJson(answer) } : planJson(a.plan);
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      process.stdout.write(planMarkdown(c, a.plan, a.warnings, differences(c), clusterFile(config.name)));
      if (answer) process.stdout.write(`\n${whatIfMarkdown(answer)}`);
    }
  }
  return failed ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.exitCode = reportFailure(e, console, 'invalid cluster config');
}
