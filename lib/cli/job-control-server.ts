/**
 * The control endpoint of one running job: a `node:http` server on a Unix socket that maps the
 * requests of `job-control-protocol.ts` onto a {@link JobControlTarget}. It only translates (paths,
 * JSON bodies, status codes); what a request may do in which state is the target's business.
 */
import { lstat, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { isAbsoluteLocation } from '../checkpoint/storage-location.js';
import { encodeError, type EncodedError } from '../errors.js';
import { JobControlError } from './job-control-error.js';
import { MAX_REQUEST_BODY_BYTES, type ErrorResponse, type JobControlTarget } from './job-control-protocol.js';

/** A listening control endpoint. */
export interface JobControlServer {
  /** Absolute path of the socket it listens on. */
  readonly socket: string;
  /**
   * Stops accepting connections, lets requests in flight answer for up to `graceMs` (default
   * 5000 ms) before cutting their connections, and deletes the socket file. Idempotent; never rejects.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts serving `target` on the Unix socket `socketPath` (whose directory must exist). A socket
 * file left there by a dead process is replaced.
 * @throws the listen error (`EADDRINUSE` when a live server already holds the path, `EACCES`, …).
 */
export async function serveJobControl(target: JobControlTarget, socketPath: string): Promise<JobControlServer> {
  // handle() answers every failure itself; a throw past it (the connection already gone) just ends the response.
  const server = createServer((req, res) => void handle(target, req, res).catch(() => res.destroy()));
  try {
    await listen(server, socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !(await isSocketFile(socketPath)) || (await isListening(socketPath))) throw err;
    await rm(socketPath, { force: true });
    await listen(server, socketPath);
  }
  let closing: Promise<void> | undefined;
  return {
    socket: socketPath,
    close(graceMs = 5000) {
      closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }).then(() => rm(socketPath, { force: true }).catch(() => undefined));
      return closing;
    },
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function isSocketFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isSocket() === true;
}

/** Whether something accepts connections on the socket `path` (a live endpoint we must not steal). */
async function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function handle(target: JobControlTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('connection', 'close');
  try {
    const path = new URL(req.url ?? '/', 'http://weir').pathname;
    const route = ROUTES[path];
    if (route === undefined) throw new HttpError(404, `no such endpoint: ${path} (try GET /, POST /savepoint, POST /stop, POST /cancel)`);
    if (req.method !== route.method) {
      res.setHeader('allow', route.method);
      throw new HttpError(405, `${path} takes ${route.method}, not ${req.method ?? '?'}`);
    }
    const body = route.method === 'POST' ? await readJson(req) : undefined;
    send(res, 200, await route.run(target, body));
  } catch (err) {
    const status = err instanceof HttpError ? err.status : err instanceof JobControlError && err.status !== undefined ? err.status : 500;
    send(res, status, { error: withoutStacks(encodeError(err instanceof HttpError ? new JobControlError(err.message, { status }) : err)) } satisfies ErrorResponse);
  }
}

interface Route {
  method: 'GET' | 'POST';
  run(target: JobControlTarget, body: unknown): Promise<unknown> | unknown;
}

const ROUTES: Record<string, Route | undefined> = {
  '/': { method: 'GET', run: (target) => target.status() },
  '/savepoint': { method: 'POST', run: (target, body) => target.triggerSavepoint(absoluteDirectory(body, 'directory')) },
  '/stop': { method: 'POST', run: (target, body) => target.stop(absoluteDirectory(body, 'savepointDirectory')) },
  '/cancel': {
    method: 'POST',
    run: async (target) => {
      await target.cancel();
      return { jobId: target.status().jobId };
    },
  },
};

/** `body[field]`, which must be an absolute path or a storage URI (`jetstream://…`). @throws HttpError 400 otherwise. */
function absoluteDirectory(body: unknown, field: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' || value === '') throw new HttpError(400, `the request body needs "${field}": an absolute directory path`);
  if (!isAbsoluteLocation(value)) throw new HttpError(400, `"${field}" must be an absolute path (the job runs in another working directory), got ${value}`);
  return value;
}

/** The request's JSON body; an empty body is `{}`. @throws HttpError 400 / 413. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_REQUEST_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `the request body is not JSON: ${(err as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function withoutStacks(e: EncodedError): EncodedError {
  const { stack: _stack, cause, ...rest } = e;
  return cause !== undefined ? { ...rest, cause: withoutStacks(cause) } : rest;
}

/** A refusal with an HTTP status, before the target is asked. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
