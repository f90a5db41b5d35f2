// Renders the dashboard model to Grafana dashboard JSON with Grafana's typed builders
// (@grafana/grafana-foundation-sdk): the builders own the JSON shape (schemaVersion, field config,
// grid positions), the model owns every number and query.
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as sdk from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Dashboard, DashboardRendering, Line, Panel, SqlTarget } from './model';

/** Grafana's PostgreSQL datasource plugin id (core since Grafana 10.4). */
export const POSTGRES_TYPE = 'grafana-postgresql-datasource';
const WIDTH = 8;
const HEIGHT = 8;
const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A raw SQL query of Grafana's PostgreSQL datasource (the SDK has no builder for it). */
class SqlQueryBuilder implements cog.Builder<cog.Dataquery> {
  constructor(private readonly t: SqlTarget, private readonly refId: string) {}
  build(): cog.Dataquery {
    const query = { refId: this.refId, datasource: { type: POSTGRES_TYPE, uid: this.t.datasource }, rawSql: this.t.sql, format: 'table', rawQuery: true, editorMode: 'code' };
    return { ...query, _implementsDataqueryVariant() {} };
  }
}

/** Green below the line, red past it (or the reverse for a line that is bad below). */
function thresholds(lines: Line[]): sdk.ThresholdsConfigBuilder {
  const steps: sdk.Threshold[] = lines.length === 0 || lines[0].bad === 'above' ? [{ value: null, color: 'green' }] : [{ value: null, color: 'red' }];
  for (const l of [...lines].sort((a, b) => a.value - b.value)) steps.push({ value: l.value, color: l.bad === 'above' ? 'red' : 'green' });
  return new sdk.ThresholdsConfigBuilder().mode(sdk.ThresholdsMode.Absolute).steps(steps);
}

function describe(p: Panel): string {
  const lines = p.lines.map((l) => `${l.value} (${l.source})`);
  return lines.length > 0 && !p.alert ? `${p.description} Lines: ${lines.join('; ')}.` : p.description;
}

function panel(r: DashboardRendering, p: Panel, id: number): cog.Builder<sdk.Panel> {
  const prom = { type: 'prometheus', uid: r.prometheusDatasource };
  const targets = p.targets.map((t, i): cog.Builder<cog.Dataquery> => t.kind === 'sql'
    ? new SqlQueryBuilder(t, REF_IDS[i])
    : (() => {
      const q = new prometheus.DataqueryBuilder().refId(REF_IDS[i]).datasource(prom).expr(t.expr).legendFormat(t.legend || '__auto').editorMode(prometheus.QueryEditorMode.Code);
      return p.type === 'stat' ? q.instant() : q.range();
    })());
  const common_ = <B extends { id(i: number): B; title(t: string): B; description(d: string): B; unit(u: string): B; span(w: number): B; height(h: number): B; targets(t: cog.Builder<cog.Dataquery>[]): B; thresholds(t: cog.Builder<sdk.ThresholdsConfig>): B; timeFrom(t: string): B }>(b: B): B => {
    const built = b.id(id).title(p.title).description(describe(p)).unit(p.unit).span(WIDTH).height(HEIGHT).targets(targets).thresholds(thresholds(p.lines));
    return p.timeFrom ? built.timeFrom(p.timeFrom) : built;
  };
  if (p.type === 'stat') {
    return common_(new stat.PanelBuilder())
      .datasource(prom)
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Value)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  }
  if (p.type === 'table') {
    const sql = p.targets.find((t) => t.kind === 'sql') as SqlTarget;
    return common_(new table.PanelBuilder()).datasource({ type: POSTGRES_TYPE, uid: sql.datasource });
  }
  return common_(new timeseries.PanelBuilder())
    .datasource(prom)
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(p.lines.length > 0 ? common.GraphThresholdsStyleMode.Dashed : common.GraphThresholdsStyleMode.Off))
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom));
}

/** The dashboard JSON Grafana stores (and the sidecar or an import loads). */
export function renderDashboard(r: DashboardRendering, d: Dashboard): sdk.Dashboard {
  const b = new sdk.DashboardBuilder(d.title)
    .uid(d.uid)
    .description(d.description)
    .tags(d.tags)
    .editable()
    .refresh(r.refresh)
    .time({ from: 'now-24h', to: 'now' })
    .timezone('browser')
    .tooltip(sdk.DashboardCursorSync.Crosshair);
  // ids in order: stable, so links to a panel (viewPanel=<id>) survive a regeneration
  let id = 0;
  for (const row of d.rows) {
    b.withRow(new sdk.RowBuilder(row.title).id(++id));
    for (const p of row.panels) b.withPanel(panel(r, p, ++id));
  }
  return b.build();
}
