// Where alerts go and what they read (SPEC 4). Thresholds that exist elsewhere in the config are
// derived by the alert catalogues, not repeated here.
import { z } from 'zod';

export const monitoringSection = z.strictObject({
  namespace: z.string(),
  grafana: z.strictObject({
    folder: z.string(),
    orgId: z.number().int().positive().default(1),
    evaluationInterval: z.string().regex(/^\d+[smh]$/),
    datasources: z.strictObject({ prometheus: z.string(), postgres: z.string().optional() }),
  }),
  /** Labels the Prometheus instance selects PrometheusRules by (e.g. kube-prometheus-stack's release). */
  ruleSelectorLabels: z.record(z.string(), z.string()).default({}),
});

export type MonitoringConfig = z.infer<typeof monitoringSection>;
