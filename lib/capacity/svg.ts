// plan.svg: nodes and cost per hour of every scenario, as two bar charts side by side. A tiny
// element model and serializer keep it deterministic and escaped; no charting library.
import { r } from './json';
import type { Plan } from './plan';

interface Element {
  name: string;
  attrs: Record<string, string | number>;
  children: (Element | string)[];
}

const el = (name: string, attrs: Element['attrs'] = {}, ...children: (Element | string)[]): Element => ({ name, attrs, children });

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function serialize(e: Element, indent = ''): string {
  const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escape(String(v))}"`).join('');
  if (e.children.length === 0) return `${indent}<${e.name}${attrs}/>`;
  if (e.children.every((c) => typeof c === 'string')) return `${indent}<${e.name}${attrs}>${escape(e.children.join(''))}</${e.name}>`;
  const inner = e.children.map((c) => (typeof c === 'string' ? `${indent}  ${escape(c)}` : serialize(c, `${indent}  `)));
  return `${indent}<${e.name}${attrs}>\n${inner.join('\n')}\n${indent}</${e.name}>`;
}

const LAYOUT = { label: 170, panel: 230, gap: 60, row: 26, top: 56, bottom: 20, bar: 16 };
const COLORS = { nodes: '#4e79a7', cost: '#f28e2b', limit: '#e15759', text: '#333333', grid: '#dddddd' };

interface Panel {
  title: string;
  values: number[];
  scale: number;
  color: string;
  label: (v: number) => string;
  /** A dashed limit line (the pool max). */
  limit?: { value: number; label: string };
}

function panel(p: Panel, x0: number, rows: number): Element[] {
  const { row, top, bar, panel: width } = LAYOUT;
  const x = (v: number) => x0 + (p.scale > 0 ? (v / p.scale) * width : 0);
  const out: Element[] = [
    el('text', { x: x0, y: top - 18, 'font-weight': 'bold' }, p.title),
    el('line', { x1: x0, y1: top - 6, x2: x0, y2: top + rows * row, stroke: COLORS.grid }),
  ];
  p.values.forEach((v, i) => {
    const y = top + i * row;
    out.push(el('rect', { x: x0, y, width: (x(v) - x0).toFixed(1), height: bar, fill: p.color }));
    out.push(el('text', { x: (x(v) + 4).toFixed(1), y: y + bar - 3 }, p.label(v)));
  });
  if (p.limit) {
    const lx = x(p.limit.value).toFixed(1);
    out.push(el('line', { x1: lx, y1: top - 6, x2: lx, y2: top + rows * row, stroke: COLORS.limit, 'stroke-dasharray': '4 3' }));
    out.push(el('text', { x: lx, y: top + rows * row + 14, fill: COLORS.limit, 'text-anchor': 'middle' }, p.limit.label));
  }
  return out;
}

export function planSvg(plan: Plan): string {
  const { label, panel: width, gap, row, top, bottom, bar } = LAYOUT;
  const rows = plan.scenarios.length;
  const poolMax = plan.pools.reduce((t, pool) => t + pool.max, 0);
  const nodes = plan.scenarios.map((s) => s.nodes);
  const cost = plan.scenarios.map((s) => r.eur(s.eurPerHour));
  const w = label + 2 * width + gap + 60;
  const h = top + rows * row + bottom + 14;
  const body = [
    el('title', {}, `Capacity plan of ${plan.cluster}: nodes and cost per hour of each scenario`),
    el('rect', { x: 0, y: 0, width: w, height: h, fill: '#ffffff' }),
    ...plan.scenarios.map((s, i) => el('text', { x: label - 8, y: top + i * row + bar - 3, 'text-anchor': 'end' }, s.id)),
    ...panel({
      title: 'nodes (first-fit-decreasing)', values: nodes, scale: Math.max(poolMax, ...nodes), color: COLORS.nodes,
      label: String, limit: { value: poolMax, label: `max ${poolMax}` },
    }, label, rows),
    ...panel({
      title: 'EUR per hour while it runs', values: cost, scale: Math.max(...cost), color: COLORS.cost, label: (v) => v.toFixed(2),
    }, label + width + gap, rows),
  ];
  const svg = el('svg', {
    xmlns: 'http://www.w3.org/2000/svg', width: w, height: h, viewBox: `0 0 ${w} ${h}`,
    'font-family': 'sans-serif', 'font-size': 12, fill: COLORS.text,
  }, ...body);
  return `${serialize(svg)}\n`;
}
