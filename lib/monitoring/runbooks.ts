// runbooks.md: one section per alert, where every rule's runbook_url points. Written from the same
// model as the rules: what the alert means and what to check first (its description), its routing
// labels, its exact query, what it needs from the cluster and the guard that fires when that is
// missing (or, for a guard, the alerts it covers).
import { generatedHeader } from '../core/yaml';
import type { Alert } from '../core/alerts';
import { labelsOf, promExpr, RuleSettings } from './render';

const anchor = (name: string): string => `[${name}](#${name.toLowerCase()})`;

function section(s: RuleSettings, rules: Alert[], all: Alert[]): string {
  const a = rules[0];
  const labels = labelsOf(s, a);
  const covers = [...new Set(all.filter((x) => x.needs.some((n) => n.guard === a.name)).map((x) => x.name))];
  const lines = [
    `## ${a.name}`,
    '',
    `Severity \`${labels.severity}\`, team \`${labels.team}\`, notified by ${labels.notifier === 'grafana' ? 'Grafana' : 'Prometheus (Alertmanager)'}.`,
    '',
  ];
  for (const r of rules) {
    lines.push(r.description.replace(/\{\{ \$labels\.([a-zA-Z_]+) \}\}/g, '<$1>'), '');
    lines.push(
      ...(r.signal.kind === 'promql'
        ? ['Fires when this holds for ' + r.for + ':', '', '```promql', promExpr(r.signal.expr, r.comparison, r.threshold), '```']
        : [`Grafana only, on the PostgreSQL datasource \`${r.signal.datasource}\`; fires when the value is ${r.comparison} ${r.threshold}:`, '', '```sql', r.signal.sql.trimEnd(), '```']),
    );
    lines.push('');
  }
  if (a.needs.length > 0) lines.push('Needs from the cluster:', '', ...a.needs.map((n) => `- ${n.input}: when it is missing, ${anchor(n.guard)} fires.`), '');
  if (covers.length > 0) lines.push(`Guards the input of ${covers.map(anchor).join(', ')}, which stay quiet without it.`, '');
  return lines.join('\n');
}

export function runbooks(s: RuleSettings, alerts: Alert[], from?: string): string {
  const byName = new Map<string, Alert[]>();
  for (const a of alerts) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  return [
    `${generatedHeader(from, '<!--').trimEnd()} -->`,
    `# Alert runbooks: ${s.cluster}`,
    '',
    'Each alert\'s `runbook_url` points to its section. Routing labels: `severity`, `team`, `cluster`, `notifier` (README, "Routing").',
    '',
    ...[...byName.values()].map((rules) => section(s, rules, alerts)),
  ].join('\n').trimEnd() + '\n';
}
