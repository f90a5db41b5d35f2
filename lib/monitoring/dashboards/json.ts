// The dashboard JSON of a model, cached by content (lib/platform/cache): Grafana's builder library
// takes about 0.2 s to load, a fifth of a warm synth, and the dashboards rarely change. The key
// holds everything the output depends on (the model, the settings the renderer reads, the
// renderer's own source, and the dependency versions, the library's among them), so a hit is
// exactly what rendering would give.
import * as path from 'path';
import { cacheDir, cacheKey, recall, remember, sourceHash } from '../../core/cache';
import type { Dashboard, DashboardRendering } from './model';

function cacheFile(r: DashboardRendering, d: Dashboard): string {
  const rendering = { prometheusDatasource: r.prometheusDatasource, refresh: r.refresh };
  return path.join(cacheDir('dashboards'), `${cacheKey(sourceHash(path.join(__dirname, 'render.ts')), JSON.stringify([rendering, d]))}.json`);
}

/** Pretty-printed dashboard JSON (with a final newline), rendered by render.ts on a cache miss. */
export function dashboardJson(r: DashboardRendering, d: Dashboard): string {
  const file = cacheFile(r, d);
  const known = recall(file);
  if (known !== undefined && isJsonObject(known)) return known;
  // loaded here, not at the top: a warm synth never loads the builder library
  const { renderDashboard } = require('./render') as typeof import('./render');
  const json = `${JSON.stringify(renderDashboard(r, d), null, 2)}\n`;
  remember(file, json);
  return json;
}

/** An entry cut short or edited by hand is a miss, and gets rewritten. */
function isJsonObject(text: string): boolean {
  try {
    const v = JSON.parse(text);
    return !!v && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}
