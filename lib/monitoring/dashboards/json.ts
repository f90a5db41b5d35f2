// The dashboard JSON of a model, cached on disk by content: Grafana's builder library takes about
// 0.2 s to load, a fifth of a warm synth, and the dashboards rarely change. The key holds
// everything the output depends on (the model, the config the renderer reads, the renderer's own
// source and the library's version), so a hit is exactly what rendering would give. The cache sits
// beside the require hook's and can be deleted at any time.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ClusterConfig } from '../../config/schema';
import type { Dashboard } from './model';

const CACHE = path.join(__dirname, '..', '..', '..', 'node_modules', '.cache', 'dashboards');

function key(c: ClusterConfig, d: Dashboard): string {
  // the package exports neither ./package.json nor its root: go up from one of its entries (dist/dashboard/index.js)
  const manifest = path.join(path.dirname(require.resolve('@grafana/grafana-foundation-sdk/dashboard')), '..', '..', 'package.json');
  const sdk = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  const renderer = fs.readFileSync(require.resolve('./render'), 'utf8');
  const config = { grafana: c.monitoring.grafana, dashboards: c.monitoring.dashboards };
  return crypto.createHash('sha256').update(JSON.stringify([sdk, renderer, config, d])).digest('hex');
}

/** Pretty-printed dashboard JSON (with a final newline), rendered by render.ts on a cache miss. */
export function dashboardJson(c: ClusterConfig, d: Dashboard): string {
  const file = path.join(CACHE, `${key(c, d)}.json`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // loaded here, not at the top: a warm synth never loads the builder library
    const { renderDashboard } = require('./render') as typeof import('./render');
    const json = `${JSON.stringify(renderDashboard(c, d), null, 2)}\n`;
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      const tmp = `${file}.${process.pid}`;
      fs.writeFileSync(tmp, json);
      fs.renameSync(tmp, file); // atomic: concurrent runs never read half a file
    } catch {
      // read-only checkout: render every time
    }
    return json;
  }
}
