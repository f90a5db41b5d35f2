// Locks the monitoring output of every cluster: review any change as a snapshot diff.
import { loadClusters } from '../../lib/config/load';
import { render } from '../../lib/pipeline/render';

const files = render(loadClusters());
// A dashboard's ConfigMap carries its JSON file unchanged (dashboards.test.ts): the file's snapshot locks both.
const mine = [...files.keys()].filter((p) => p.includes('/monitoring/') && !p.includes('/namespace-') && !p.includes('/configmap-dashboard-'));

describe('monitoring output', () => {
  it('has the alert files of every cluster', () => {
    for (const c of loadClusters()) {
      expect(mine).toContain(`${c.config.name}/monitoring/grafana-alert-rules.yaml`);
      expect(mine).toContain(`${c.config.name}/monitoring/prometheus-rules.yaml`);
    }
  });

  it.each(mine)('%s', (p) => {
    expect(files.get(p)).toMatchSnapshot();
  });
});
