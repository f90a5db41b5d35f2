// The dashboard JSON of a model, cached by content (lib/platform/cache): Grafana's builder library
// takes about 0.2 s to load, a fifth of a warm synth, and the dashboards rarely change. The key
// holds everything the output depends on (the model, the config the renderer reads, the
// renderer's own source, and the dependency versions, the library's among them), so a hit is
// exactly what rendering would give.
import * as path from 'path';
import { cacheDir, cacheKey, recall, remember, sourceHash } from '../../core/cache';
import type { ClusterConfig } from '../../config/schema';
import type { Dashboard } from './model';

const CACHE = cacheDir('dashboards');

function cacheFile(c: ClusterConfig, d: Dashboard): string {
  const config = { grafana: c.monitoring.grafana, dashboards: c.monitoring.dashboards };
  return path.join(CACHE, `${cacheKey(sourceHash(path.join(__dirname, 'render.ts')), JSON.stringify([config, d]))}.json`);
}

/** Pretty-printed dashboard JSON (with a final newline), rendered by render.ts on a cache miss. */
export function dashboardJson(c: ClusterConfig, d: Dashboard): string {
  const file = cacheFile(c, d);
  const known = recall(file);
  if (known !== undefined && isJsonObject(known)) return known;
  // loaded here, not at the top: a warm synth never loads the builder library
  const { renderDashboard } = require('./render') as typeof import('./render');
  const json = `${JSON.stringify(renderDashboard(c, d), null, 2)}\n`;
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
