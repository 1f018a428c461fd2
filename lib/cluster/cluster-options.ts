/**
 * Options every cluster process and cluster CLI command shares: how to reach NATS (servers,
 * credentials, TLS) and the subject prefix the cluster lives under, so NATS permissions can
 * confine a cluster to `<prefix>.>`.
 */
import type { NatsCliOptions } from '../transport/nats-connection-options.js';

/** How a process reaches its cluster. */
export interface ClusterConnectOptions {
  /** NATS servers and credentials (see {@link NatsCliOptions}). */
  nats: NatsCliOptions;
  /**
   * Prefix of every subject of this cluster (default `weir`): actor frames on
   * `<prefix>.frame.<address>`, credits on `<prefix>.credit.<address>`, the job manager's API on
   * `<prefix>.api`. Two clusters on one NATS use two prefixes.
   */
  subjectPrefix?: string;
}

/** The job manager's request-reply subject. */
export function apiSubject(prefix = 'weir'): string {
  return `${prefix}.api`;
}
