// KEDA's metrics-api scaler with `format: prometheus`, as it reads a value (keda
// pkg/scalers/metrics_api_scaler.go, getValueFromPrometheusResponse): parse `valueLocation` as a
// Prometheus selector of equality matchers, take the metric family of that name from the text
// exposition, return the value of the first sample whose labels hold every matcher.

export interface Selector {
  name: string;
  labels: Record<string, string>;
}

export function parseSelector(s: string): Selector {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(s.trim());
  if (!m) throw new Error(`not a metric selector: ${s}`);
  return { name: m[1], labels: parseLabels(m[2] ?? '') };
}

function parseLabels(s: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) throw new Error(`bad label matchers: {${s}}`);
    if (m[2] !== '=') throw new Error(`only equality matchers are supported (KEDA compares values): ${m[0]}`);
    labels[m[1]] = m[3].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    at = re.lastIndex;
  }
  return labels;
}

/** The value KEDA would read, or an error like KEDA's when the metric or sample is missing. */
export function kedaValue(exposition: string, valueLocation: string): number {
  const want = parseSelector(valueLocation);
  let family = false;
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== want.name) continue;
    family = true;
    const labels = parseLabels(m[2] ?? '');
    if (Object.entries(want.labels).every(([k, v]) => labels[k] === v)) return Number(m[3]);
  }
  throw new Error(family ? `value ${valueLocation} not found` : `metric '${want.name}' not found`);
}
