/**
 * How a NATS connector reaches the server. Every reader, writer and committer opens its own
 * connection in its lifecycle (`start()` / `createWriter` / `createCommitter`) and closes it in
 * `close()`; nats.js reconnects by itself after a server restart or network failure, and the
 * connectors pick up where they were (see each connector).
 */
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import { ConfigurationError } from '../../lib/errors.js';
import { NatsConnectorError } from './nats-error.js';

/** Connection settings shared by every NATS connector. */
export interface NatsConnectionOptions {
  /**
   * Server URL(s), e.g. `'nats://127.0.0.1:4222'` or a list for a cluster. Default
   * `'127.0.0.1:4222'` (ignored when `connectionOptions.servers` or `connect` is given).
   */
  readonly servers?: string | readonly string[] | undefined;
  /**
   * nats.js connection options (credentials, TLS, timeouts …), laid over Weir's defaults:
   * `maxReconnectAttempts: -1` (reconnect forever: a streaming job waits for its server),
   * `reconnectTimeWait: 500` (ms), `noAsyncTraces: true` (roughly doubles request/ack throughput),
   * `name: 'weir <operator> #<subtask>'`.
   */
  readonly connectionOptions?: ConnectionOptions | undefined;
  /**
   * Opens a connection instead of `servers` / `connectionOptions`; called once per reader, writer
   * and committer. It must return a connection of its own each call: the connector closes it.
   */
  readonly connect?: (() => NatsConnection | Promise<NatsConnection>) | undefined;
}

/** Checks the connection options at construction time. @throws ConfigurationError (`WEIR_ERR_CONFIG`). */
export function checkConnectionOptions(options: NatsConnectionOptions, api: string): void {
  if (options.connect !== undefined && typeof options.connect !== 'function') {
    throw new ConfigurationError(`${api}: connect must be a function returning a NatsConnection`);
  }
  const servers = options.servers;
  if (servers !== undefined && (typeof servers === 'string' ? servers === '' : servers.length === 0 || servers.some((s) => typeof s !== 'string' || s === ''))) {
    throw new ConfigurationError(`${api}: servers must be a non-empty URL or list of URLs`);
  }
}

/**
 * Opens a connection as `options` say; `name` names the client on the server (`weir <op> #<i>`).
 * @throws NatsConnectorError (`WEIR_ERR_NATS`) when no server can be reached.
 */
export async function openNatsConnection(options: NatsConnectionOptions, name: string): Promise<NatsConnection> {
  try {
    if (options.connect !== undefined) return await options.connect();
    const servers = options.servers === undefined ? '127.0.0.1:4222' : typeof options.servers === 'string' ? options.servers : [...options.servers];
    return await connect({
      servers,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      noAsyncTraces: true,
      ...options.connectionOptions,
    });
  } catch (err) {
    throw new NatsConnectorError(`${name}: cannot connect to NATS (${describeServers(options)}): ${(err as Error).message ?? String(err)}`, { cause: err });
  }
}

/** Closes `nc` without throwing (connectors call it from `close()`, also after a failure). */
export async function closeQuietly(nc: NatsConnection | undefined): Promise<void> {
  if (nc === undefined || nc.isClosed()) return;
  await nc.close().catch(() => undefined);
}

function describeServers(options: NatsConnectionOptions): string {
  if (options.connect !== undefined) return 'connect()';
  const s = options.connectionOptions?.servers ?? options.servers ?? '127.0.0.1:4222';
  return typeof s === 'string' ? s : s.join(', ');
}
