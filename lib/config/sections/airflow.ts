// Airflow on the ML platform (SPEC 2): what the worker pods, the Helm values and the DAG contract need.
import { z } from 'zod';
import { dnsLabel, pinnedImage } from '../fields';

const port = z.number().int().min(1).max(65535);
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.0.0.0/16');

/** A destination inside the cluster, selected by namespace (and optionally pod labels). */
const inClusterEndpoint = z.strictObject({
  namespace: z.string(),
  podLabels: z.record(z.string(), z.string()).optional(),
  port,
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
});
/** A destination outside the cluster: plain NetworkPolicy matches IPs, never host names. */
const externalEndpoint = z.strictObject({ cidrs: z.array(cidr).min(1), port, host: z.string().optional() });

export const airflowSection = z.strictObject({
  namespace: z.string(),
  image: pinnedImage.describe('Image of the worker `base` container.'),
  user: z.strictObject({ uid: z.number().int().positive(), gid: z.number().int().nonnegative() }).describe('Numeric user and group the image runs as (the official image: 50000 and group 0).'),
  helm: z.strictObject({
    release: dnsLabel,
    metadataSecret: z.string().describe('Secret holding the managed PostgreSQL connection URI under the key `connection`, created out of band.'),
    chartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact chart version such as 1.15.0')
      .describe('Version of the official chart (apache-airflow/airflow) the values were validated against; the install command pins it.'),
  }).describe('The official chart\'s release: the chart names its secrets and airflow.cfg ConfigMap after it.'),
  workerLogServerPort: port.describe('Port of the worker log server the webserver reads live task logs from (Airflow\'s default 8793).'),
  factors: z.array(z.string()).min(1).describe('Every FTF factor the DAGs know; heavy factors must be among them.'),
  heavyFactors: z.array(z.string()),
  factorWorkloads: z.strictObject({ normal: z.string(), heavy: z.string() }).describe('Workload a normal / heavy factor runs as (its profile and max_active_runs follow).'),
  retry: z.strictObject({
    retries: z.number().int().nonnegative(),
    retryDelaySeconds: z.number().int().positive(),
    exponentialBackoff: z.boolean(),
    maxRetryDelaySeconds: z.number().int().positive(),
  }),
  preflightMemoryFraction: z.number().gt(0).lt(1).describe('A task refuses to train when its estimate exceeds this fraction of a compute node\'s memory.'),
  forkSafetyEnv: z.record(z.string(), z.string()).describe('gRPC fork safety (SPEC 2.4): must hold GRPC_ENABLE_FORK_SUPPORT "1" and GRPC_POLL_STRATEGY "poll"; set on every worker pod, in the Helm values and for docker-compose.'),
  egress: z.strictObject({
    dns: z.strictObject({ namespace: z.string(), podLabels: z.record(z.string(), z.string()), port }),
    postgres: externalEndpoint,
    mlflow: inClusterEndpoint,
    redis: inClusterEndpoint,
    statsd: inClusterEndpoint.describe('The chart\'s StatsD exporter (pods tier=airflow, component=statsd, release=<release>; UDP): task pods send task metrics such as ti.finish to it.'),
    s3: externalEndpoint,
    exchangeApi: externalEndpoint,
  }),
});

export type AirflowConfig = z.infer<typeof airflowSection>;
