/**
 * Starts real `nats-server` processes (v2.9, `/usr/sbin/nats-server` or `$NATS_SERVER`) on free
 * loopback ports for integration tests: single servers (optionally with JetStream), restarts on
 * the same port, and clusters with routes. Every server started is tracked: call
 * {@link stopAllNatsServers} in `test.after.always` so no process outlives the test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env['NATS_SERVER'] ?? '/usr/sbin/nats-server';
const running = new Set<NatsServer>();

/** Options of {@link NatsServer.start}. */
export interface NatsServerOptions {
  /** Client port (default: a free one). */
  port?: number;
  /** Enable JetStream with a temporary store directory (`-js -sd <dir>`). */
  jetstream?: boolean;
  /** Extra command-line arguments (`--user u --pass p`, `--auth token`, cluster flags…). */
  args?: string[];
  /** Monitoring port (`-m`), default: a free one. */
  monitorPort?: number;
}

/** A free TCP port on 127.0.0.1 (there is a small race until the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once a TCP client receives the server's INFO line (true), or false on error/timeout. */
function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1_000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('data', (d) => done(d.toString().startsWith('INFO')));
  });
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One nats-server process on loopback: start, stop (SIGTERM then SIGKILL), kill, restart on the same ports. */
export class NatsServer {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output: string[] = [];
  private storeDir: string | undefined;

  private constructor(
    readonly port: number,
    readonly monitorPort: number,
    private readonly options: NatsServerOptions,
  ) {}

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The PID of the running process, or undefined when stopped. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts a server and waits until it accepts connections (10 s at most). */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const s = new NatsServer(options.port ?? (await freePort()), options.monitorPort ?? (await freePort()), options);
    running.add(s);
    await s.launch();
    return s;
  }

  /** Stops the process: SIGTERM, then SIGKILL after `timeoutMs` (default 5 000). */
  async stop(timeoutMs = 5_000): Promise<void> {
    const p = this.proc;
    if (p === undefined) return;
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
    this.proc = undefined;
  }

  /** Kills the process at once (SIGKILL): a crash, no lame-duck mode, no flush. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (p === undefined) return;
    p.kill('SIGKILL');
    await this.exited;
    this.proc = undefined;
  }

  /** Starts the server again on the same ports (after {@link stop} or {@link kill}). */
  async restart(): Promise<void> {
    if (this.proc !== undefined) await this.stop();
    await this.launch();
  }

  /** Stops it for good and removes its JetStream store. */
  async dispose(): Promise<void> {
    await this.stop();
    running.delete(this);
    if (this.storeDir !== undefined) rmSync(this.storeDir, { recursive: true, force: true });
  }

  /** Fetches a monitoring endpoint (`/varz`, `/routez`, `/connz`) as JSON. */
  async monitor<T = Record<string, unknown>>(path: string): Promise<T> {
    const r = await fetch(`http://127.0.0.1:${this.monitorPort}${path}`);
    return (await r.json()) as T;
  }

  private async launch(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-m', String(this.monitorPort), ...(this.options.args ?? [])];
    if (this.options.jetstream === true) {
      this.storeDir ??= mkdtempSync(join(tmpdir(), 'weir-nats-js-'));
      args.push('-js', '-sd', this.storeDir);
    }
    const proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
    const keep = (d: Buffer): void => {
      this.output.push(...d.toString().split('\n').filter((l) => l !== ''));
      if (this.output.length > 100) this.output.splice(0, this.output.length - 100);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) break;
      if (await probe(this.port)) return;
      await pause(50);
    }
    proc.kill('SIGKILL');
    await this.exited;
    this.proc = undefined;
    throw new Error(`nats-server on port ${this.port} did not start:\n${this.output.slice(-20).join('\n')}`);
  }
}

/**
 * Starts `n` servers (default 3) forming a cluster (`--cluster`, `--routes` to every other,
 * `--cluster_name weir-test`) and waits until each sees n-1 routes (`/routez`, 15 s at most).
 */
export async function startNatsCluster(n = 3): Promise<NatsServer[]> {
  const clusterPorts = await Promise.all(Array.from({ length: n }, () => freePort()));
  const routes = (i: number): string => clusterPorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(',');
  const servers = await Promise.all(
    clusterPorts.map((cp, i) => NatsServer.start({ args: ['-n', `weir-test-${i}`, '--cluster_name', 'weir-test', '--cluster', `nats://127.0.0.1:${cp}`, '--routes', routes(i)] })),
  );
  const deadline = Date.now() + 15_000;
  for (const s of servers) {
    for (;;) {
      const r = await s.monitor<{ num_routes?: number }>('/routez').catch(() => ({ num_routes: 0 }));
      if ((r.num_routes ?? 0) >= n - 1) break;
      if (Date.now() > deadline) throw new Error(`cluster routes did not come up on port ${s.port}`);
      await pause(50);
    }
  }
  return servers;
}

/** Stops every server started by this module (for `test.after.always`). */
export async function stopAllNatsServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.dispose()));
}
