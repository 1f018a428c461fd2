/**
 * The NATS connection that `jetstream://` checkpoint storage uses in this process (or worker
 * thread): one process-wide registry, as Flink's file systems are process-wide singletons
 * configured once (`FileSystem.initialize`) rather than passed to every checkpoint call.
 *
 * Two ways to choose it:
 * - a connection the process already has (the job manager and every task slot of a cluster register
 *   their own; the registry never closes it);
 * - {@link NatsCliOptions}, or nothing (then `$NATS_URL`, else `nats://127.0.0.1:4222`): the
 *   registry connects on first use and closes that connection again once nothing uses it —
 *   {@link holdCheckpointStorage} marks a use that spans many operations (a running job), and
 *   every storage operation holds it for its own duration; the connection closes
 *   {@link IDLE_CLOSE_MS} after the last release, so an embedded `weir run` never hangs on it.
 *
 * A registration made in one worker thread is not seen by others (module state is per thread).
 */
import type { NatsConnection } from 'nats';
import type { PipelineExecutor } from '../api/executor.js';
import { ConfigurationError } from '../errors.js';
import { connectNats, type NatsCliOptions } from '../transport/nats-connection-options.js';

/** Default server when neither options nor `$NATS_URL` name one. */
export const DEFAULT_CHECKPOINT_NATS_URL = 'nats://127.0.0.1:4222';

/** A connection opened by the registry is closed this many ms after its last user released it. */
export const IDLE_CLOSE_MS = 250;

type Choice = { kind: 'connection'; nc: NatsConnection } | { kind: 'options'; options: NatsCliOptions | undefined };

let choice: Choice = { kind: 'options', options: undefined };

/** A connection the registry opened itself. */
interface OwnedConnection {
  readonly choice: Choice;
  readonly promise: Promise<NatsConnection>;
  /** Set once connected. */
  connection: NatsConnection | undefined;
}
/** The connection the registry opened for the current choice, while open or opening. */
let owned: OwnedConnection | undefined;
/** Connections the registry opened under earlier choices: closed once nothing uses the storage. */
const retired: Promise<NatsConnection>[] = [];
let users = 0;
let idleTimer: NodeJS.Timeout | undefined;

/**
 * Chooses the NATS connection of `jetstream://` checkpoint storage in this process: a connection
 * (kept open by its owner, never closed here), connection options (connected lazily, closed when
 * idle), or `undefined` for the default (`$NATS_URL`, else {@link DEFAULT_CHECKPOINT_NATS_URL}).
 * A connection the registry opened under the previous choice is closed once idle.
 * @returns a function that reinstates the previous choice.
 * @example useNatsForCheckpointStorage({ servers: ['nats://nats-1:4222,nats://nats-2:4222'], credsFile: 'weir.creds' });
 */
export function useNatsForCheckpointStorage(source: NatsConnection | NatsCliOptions | undefined): () => void {
  const previous = choice;
  choose(source !== undefined && isConnection(source) ? { kind: 'connection', nc: source } : { kind: 'options', options: source });
  return () => choose(previous);
}

function choose(next: Choice): void {
  choice = next;
  if (owned !== undefined && owned.choice !== next) {
    retired.push(owned.promise);
    owned = undefined;
    if (users === 0) scheduleIdleClose();
  }
}

function isConnection(x: NatsConnection | NatsCliOptions): x is NatsConnection {
  return typeof (x as NatsConnection).jetstream === 'function';
}

/**
 * The options a lazily opened connection uses: the chosen ones, else `$NATS_URL`, else
 * {@link DEFAULT_CHECKPOINT_NATS_URL}; named `weir-checkpoint-storage` unless they name it.
 * Plain data: a worker thread can be handed them (e.g. in `workerData`) to register the same.
 */
export function checkpointStorageNatsOptions(env: Readonly<Record<string, string | undefined>> = process.env): NatsCliOptions {
  if (choice.kind === 'options' && choice.options !== undefined) return { name: 'weir-checkpoint-storage', ...choice.options };
  const url = env['NATS_URL'];
  return { servers: [url !== undefined && url !== '' ? url : DEFAULT_CHECKPOINT_NATS_URL], name: 'weir-checkpoint-storage' };
}

/**
 * The connection for `location` (named in errors), connecting if the registry owns it.
 * Call inside {@link withCheckpointStorage} or a {@link holdCheckpointStorage} span, so that a
 * connection opened here is closed once no longer used.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) naming `location` and the servers when no server
 *   accepts the connection (cause: `WEIR_ERR_NATS_CONNECT`), or when the registered connection is closed.
 */
export async function checkpointStorageConnection(location: string): Promise<NatsConnection> {
  const c = choice;
  if (c.kind === 'connection') {
    if (c.nc.isClosed()) throw new ConfigurationError(`checkpoint storage ${location}: the NATS connection registered for checkpoint storage is closed`);
    return c.nc;
  }
  let current = owned;
  if (current !== undefined && current.connection?.isClosed() === true) {
    // Closed under us (the registry never closes the current one while in use): connect again.
    owned = current = undefined;
  }
  if (current === undefined) {
    const attempt: OwnedConnection = { choice: c, promise: connectNats(checkpointStorageNatsOptions()), connection: undefined };
    owned = current = attempt;
    attempt.promise.then(
      (nc) => (attempt.connection = nc),
      () => {
        if (owned === attempt) owned = undefined;
      },
    );
  }
  try {
    return await current.promise;
  } catch (err) {
    throw new ConfigurationError(`checkpoint storage ${location} is unreachable: ${(err as Error).message} (choose the servers with weir run --nats, $NATS_URL or useNatsForCheckpointStorage)`, { cause: err });
  }
}

/**
 * Marks the checkpoint storage connection as in use until the returned function is called (a
 * running job: its checkpoints should not reconnect every time). Idempotent release.
 */
export function holdCheckpointStorage(): () => void {
  users++;
  if (idleTimer !== undefined) {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) scheduleIdleClose();
  };
}

/** Runs `op` while holding the connection (see {@link holdCheckpointStorage}). */
export async function withCheckpointStorage<T>(op: () => Promise<T>): Promise<T> {
  const release = holdCheckpointStorage();
  try {
    return await op();
  } finally {
    release();
  }
}

/**
 * Wraps a pipeline executor so that each job holds the checkpoint storage connection while it runs
 * (closed after it, if the registry opened it), and a `jetstream://` checkpoint storage is checked
 * before the job starts (Flink's CheckpointStorageAccess.initializeBaseLocations).
 * @param prepare checks the storage, e.g. `prepareCheckpointStorage` (injected to avoid an import cycle).
 */
export function holdingCheckpointStorage(executor: PipelineExecutor, prepare: (location: string) => Promise<void>): PipelineExecutor {
  return async (graph, request) => {
    const release = holdCheckpointStorage();
    try {
      if (request.checkpoint.storagePath !== undefined) await prepare(request.checkpoint.storagePath);
      return await executor(graph, request);
    } finally {
      release();
    }
  };
}

/** Closes the connections the registry opened (if any) now; the next use connects again. */
export async function closeCheckpointStorageConnection(): Promise<void> {
  if (idleTimer !== undefined) {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  }
  await closeOwned();
}

async function closeOwned(): Promise<void> {
  const all = retired.splice(0);
  if (owned !== undefined) all.push(owned.promise);
  owned = undefined;
  await Promise.all(all.map((p) => p.then((nc) => nc.close(), () => {})));
}

function scheduleIdleClose(): void {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (owned === undefined && retired.length === 0) return;
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (users === 0) void closeOwned();
  }, IDLE_CLOSE_MS);
}
