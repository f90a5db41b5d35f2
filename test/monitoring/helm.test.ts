// Template braces survive Helm: with monitoring.escapeForHelm every monitoring file, once rendered
// by a Go-template engine as Helm would, gives back exactly the documents of the unescaped output.
// Helm is not run here; `goRender` implements the one thing the escaped files may contain: actions
// that print a string literal. Any other action (such as a bare {{ $labels.pod }}) throws.
import * as fs from 'fs';
import { parse, parseDocument } from 'yaml';
import { loadClusters, parseCluster } from '../../lib/config/load';
import { helmEscape } from '../../lib/monitoring/helm';
import { render } from '../../lib/pipeline/render';

/** Go text/template limited to literal actions: {{ "text" }} and {{ `text` }}, with trim markers. */
function goRender(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) return out + text.slice(i);
    out += text.slice(i, open);
    let j = open + 2;
    let literal: string | undefined;
    const trimLeft = text[j] === '-' && text[j + 1] === ' ';
    if (trimLeft) j += 2;
    while (j < text.length && text.slice(j, j + 2) !== '}}' && !(text.slice(j, j + 3) === ' -}' && text[j + 3] === '}')) {
      const c = text[j];
      if (c === ' ' || c === '\t') { j++; continue; }
      if (literal !== undefined) throw new Error(`more than one operand in action at ${open}`);
      if (c === '`') {
        const end = text.indexOf('`', j + 1);
        literal = text.slice(j + 1, end);
        j = end + 1;
      } else if (c === '"') {
        let end = j + 1;
        while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
        literal = JSON.parse(text.slice(j, end + 1));
        j = end + 1;
      } else {
        throw new Error(`action at ${open} is not a string literal: ${text.slice(open, open + 40)}`);
      }
    }
    if (literal === undefined) throw new Error(`empty or unterminated action at ${open}`);
    if (trimLeft) out = out.replace(/\s+$/, '');
    const trimRight = text.slice(j, j + 3) === ' -}';
    i = j + (trimRight ? 4 : 2);
    if (trimRight) while (/\s/.test(text[i] ?? '')) i++;
    out += literal;
  }
  return out;
}

/** A file's documents, with the Grafana file a ConfigMap carries parsed too. */
function documents(path: string, text: string): unknown {
  const doc = parse(text);
  if (path.includes('/configmap-')) doc.data = Object.fromEntries(Object.entries(doc.data).map(([k, v]) => [k, parse(v as string)]));
  return doc;
}

const clusters = loadClusters();
const plain = render(clusters);
const escaped = render(
  clusters.map(({ file }) => {
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    doc.setIn(['monitoring', 'escapeForHelm'], true);
    return parseCluster(doc.toString(), file);
  }),
);
const monitoringFiles = [...plain.keys()].filter((p) => p.includes('/monitoring/'));

describe('monitoring.escapeForHelm', () => {
  it('escapes {{ and }} so a Go template prints them back', () => {
    for (const text of ['{{ $labels.pod }} down', '{{- if .x }}{{ end -}}', '}} and {{', '{{{ x }}}', 'a `b` {{ "c" }}']) {
      expect(goRender(helmEscape(text))).toBe(text);
    }
    expect(helmEscape('{{ $labels.pod }}')).toBe('{{`{{`}} $labels.pod {{`}}`}}');
  });

  it('the unescaped files are not Helm-safe (what the option is for)', () => {
    const grafana = monitoringFiles.find((p) => p.endsWith('grafana-alert-rules.yaml'))!;
    expect(() => goRender(plain.get(grafana)!)).toThrow(/not a string literal/);
  });

  it.each(monitoringFiles.filter((p) => !p.endsWith('.yaml')))('%s: not YAML, and Helm renders it back unchanged', (path) => {
    expect(goRender(escaped.get(path)!)).toBe(plain.get(path));
  });

  it.each(monitoringFiles.filter((p) => p.endsWith('.yaml')))('%s: after Helm-style rendering, the escaped file holds the same documents', (path) => {
    const text = escaped.get(path)!;
    expect(() => parse(text)).not.toThrow(); // still valid YAML before Helm sees it
    expect(documents(path, goRender(text))).toEqual(documents(path, plain.get(path)!));
  });

  it('changes the files that carry templates, and only by escaping', () => {
    const changed = monitoringFiles.filter((p) => escaped.get(p) !== plain.get(p));
    expect(changed.length).toBeGreaterThan(0);
    for (const p of changed) expect(escaped.get(p)).toContain('{{`{{`}}');
  });
});
