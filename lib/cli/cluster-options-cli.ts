/**
 * The NATS options every cluster command takes (`--nats`/`--cluster`, credentials, TLS, subject
 * prefix), and their conversion to {@link ClusterConnectOptions}.
 */
import { Option, type Command } from 'commander';
import type { ClusterConnectOptions } from '../cluster/cluster-options.js';

/** Parsed NATS flags. */
export interface NatsFlags {
  nats?: string;
  cluster?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsNkey?: string;
  natsCreds?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  subjectPrefix?: string;
}

/**
 * Adds the NATS flags; `urlFlag` is `--nats` (cluster processes) or `--cluster` (job commands).
 * The URLs and the subject prefix default to `$WEIR_CLUSTER` and `$WEIR_SUBJECT_PREFIX` (as Flink's
 * client finds its JobManager in its configuration), so `weir list` talks to the cluster once set.
 */
export function addNatsOptions(cmd: Command, urlFlag: 'nats' | 'cluster', required: boolean): Command {
  const url = new Option(`--${urlFlag} <urls>`, 'NATS server URL(s) of the cluster, comma-separated (nats://host:port)').env('WEIR_CLUSTER');
  if (required) url.makeOptionMandatory();
  return cmd
    .addOption(url)
    .option('--nats-user <user>', 'NATS user (with --nats-password)')
    .option('--nats-password <password>', 'NATS password')
    .option('--nats-token <token>', 'NATS token')
    .option('--nats-nkey <file>', 'file with an NKey seed')
    .option('--nats-creds <file>', 'NATS .creds file (JWT + NKey)')
    .option('--tls-ca <file>', 'CA bundle to verify the NATS servers (PEM)')
    .option('--tls-cert <file>', 'client certificate for NATS TLS (PEM)')
    .option('--tls-key <file>', 'client key for NATS TLS (PEM)')
    .addOption(new Option('--subject-prefix <prefix>', 'prefix of every subject of this cluster').env('WEIR_SUBJECT_PREFIX').default('weir'));
}

/** The connection options the flags describe, or undefined when no URL was given. */
export function clusterOptionsOf(f: NatsFlags): ClusterConnectOptions | undefined {
  const urls = f.nats ?? f.cluster;
  if (urls === undefined) return undefined;
  const tls = f.tlsCa !== undefined || f.tlsCert !== undefined || f.tlsKey !== undefined ? { ...(f.tlsCa !== undefined && { caFile: f.tlsCa }), ...(f.tlsCert !== undefined && { certFile: f.tlsCert }), ...(f.tlsKey !== undefined && { keyFile: f.tlsKey }) } : undefined;
  return {
    nats: {
      servers: [urls],
      ...(f.natsUser !== undefined && { user: f.natsUser }),
      ...(f.natsPassword !== undefined && { password: f.natsPassword }),
      ...(f.natsToken !== undefined && { token: f.natsToken }),
      ...(f.natsNkey !== undefined && { nkeySeedFile: f.natsNkey }),
      ...(f.natsCreds !== undefined && { credsFile: f.natsCreds }),
      ...(tls !== undefined && { tls }),
    },
    subjectPrefix: f.subjectPrefix ?? 'weir',
  };
}
