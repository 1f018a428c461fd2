/**
 * Test helper: a small virtual LAN of "hosts" built from Linux network namespaces, for
 * integration tests that need real network faults (a host cut off the network) rather than
 * killed processes.
 *
 * Topology of `VirtualNetwork.create(n)`, nothing of it in the root namespace:
 * ```
 *   namespace weir<pid>sw (the switch):  bridge br0 ── ports h1 … hn
 *                                                  │ veth pairs
 *   namespace weir<pid>h<i> (host i):    lo up, eth0 = 10.<a>.<b>.<i>/24
 * ```
 * The root namespace's links and routes are untouched: the hosts reach each other through the
 * switch only, and the test runner reaches a host's port through {@link VirtualNetwork.forward}, a
 * TCP relay over a Unix socket (path-based Unix sockets are file-system objects, shared across
 * network namespaces). The namespaces share the file system with the test runner.
 *
 * Every process is started by {@link VirtualNetwork.run} (`ip netns exec <ns> <command>`, which
 * execs the command, so the child's PID is the command's) and tracked; {@link VirtualNetwork.destroy}
 * SIGKILLs those still running, by PID, waits for them, then deletes the namespaces it created
 * (which removes their veths and the bridge) and only those. A synchronous fallback runs on
 * `process.exit` in case the test process ends without calling it.
 *
 * Needs root, iproute2 and a kernel with network namespaces, veth and bridge:
 * {@link networkNamespaceSupport} probes for them once, synchronously, so a test file can decide at
 * module load whether to register its test or skip it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** iproute2's `ip`. */
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

/** Runs `ip <args>`; resolves with stdout; @throws Error with `ip`'s stderr. */
function ip(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(IP, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err === null) resolve(stdout);
      else reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`));
    });
  });
}

/** Runs `ip <args>` synchronously; @returns undefined on success, the error text otherwise. */
function ipSync(args: readonly string[]): string | undefined {
  try {
    execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `ip ${args.join(' ')}: ${stderr !== undefined && stderr !== '' ? stderr : (err as Error).message}`;
  }
}

let support: string | undefined | null = null;
/** Networks created by this process so far (for unique names). */
let created = 0;

/**
 * Whether this machine lets a test build a {@link VirtualNetwork}: Linux, root, iproute2, and
 * `ip netns add` + a veth pair + a bridge actually work (probed once with a namespace
 * `weir<pid>probe`, deleted again). Synchronous, for a decision at module load.
 * @returns undefined when supported, otherwise why not (for a skip message).
 */
export function networkNamespaceSupport(): string | undefined {
  if (support === null) support = probeSupport();
  return support;
}

function probeSupport(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: network namespaces need root (ip netns add)';
  if (ipSync(['-V']) !== undefined) return 'iproute2 (ip) is not installed';
  const ns = `weir${process.pid}probe`;
  const added = ipSync(['netns', 'add', ns]);
  if (added !== undefined) return `cannot create a network namespace: ${added}`;
  try {
    return ipSync(['-n', ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']) ?? ipSync(['-n', ns, 'link', 'add', 'br0', 'type', 'bridge']);
  } finally {
    ipSync(['netns', 'del', ns]);
  }
}

/** One host of a {@link VirtualNetwork}. */
export interface VirtualHost {
  /** 1-based. */
  readonly index: number;
  /** Its network namespace, `weir<pid>h<index>`. */
  readonly namespace: string;
  /** Its IPv4 address on the LAN (a /24). */
  readonly address: string;
  /** Its LAN interface inside its namespace (the host's end of its veth pair). */
  readonly interface: string;
}

/** How a process run on a host ended. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process running in a host's namespace. */
export interface HostProcess {
  readonly host: VirtualHost;
  /** What it is, for messages (default: the command's file name). */
  readonly label: string;
  readonly pid: number | undefined;
  /** Resolves when the process has exited (never rejects: a spawn error becomes code -1). */
  readonly exited: Promise<HostExit>;
  hasExited(): boolean;
  /** Its stdout and stderr so far, interleaved (the last 1 MiB). */
  output(): string;
  /** Its stdout alone so far (the last 1 MiB). */
  stdout(): string;
  /** Resolves once the output matches `pattern`; @throws Error after `timeoutMs` or when the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGKILL (if still running) and resolves once it has exited. */
  kill(): Promise<HostExit>;
}

/** Options of {@link VirtualNetwork.run}. */
export interface HostRunOptions {
  /** What it is, for messages (default: the command's file name). */
  label?: string;
  cwd?: string;
  /** The whole environment of the process (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** The relay run inside a host: a Unix socket server; each connection names `<address> <port>\n`, then is piped there. */
const RELAY_SCRIPT = `
const net = require('node:net');
const server = net.createServer((c) => {
  let head = Buffer.alloc(0);
  const onData = (d) => {
    head = Buffer.concat([head, d]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    c.off('data', onData);
    c.pause();
    const [address, port] = head.subarray(0, nl).toString().split(' ');
    const up = net.connect(Number(port), address, () => {
      if (head.length > nl + 1) up.write(head.subarray(nl + 1));
      c.pipe(up).pipe(c);
    });
    const end = () => { c.destroy(); up.destroy(); };
    up.on('error', end).on('close', end);
    c.on('close', end);
  };
  c.on('data', onData).on('error', () => c.destroy());
});
server.listen(process.argv[1], () => console.log('relay ready'));
`;

/** A virtual LAN of hosts (network namespaces) on a bridge in a switch namespace; see the module docstring. */
export class VirtualNetwork {
  private readonly namespaces: string[] = [];
  private readonly processes = new Set<ChildProcess>();
  private readonly servers = new Set<Server>();
  private readonly sockets = new Set<Socket>();
  private readonly relays = new Map<number, Promise<string>>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'weir-netns-'));
  private readonly onExit = (): void => this.destroySync();
  private destroyed = false;
  readonly hosts: VirtualHost[] = [];

  private constructor(
    /** The switch namespace, `weir<pid>sw`. */
    readonly switchNamespace: string,
    /** The LAN, `10.<a>.<b>.0/24`. */
    readonly subnet: string,
  ) {
    process.once('exit', this.onExit);
  }

  /**
   * Builds `hosts` hosts (1–250) on one bridge; names start `weir<pid>` (`weir<pid>n<k>` for a
   * k-th network of the same process). The /24 is chosen from the PID among
   * 10.128.0.0–10.254.255.0 and skips any subnet the root namespace routes (not needed for
   * isolation, the LAN is invisible there, but it keeps `ip` output unambiguous).
   * On failure everything created so far is removed again.
   * @throws Error naming the `ip` command that failed.
   */
  static async create(hosts: number): Promise<VirtualNetwork> {
    if (!Number.isInteger(hosts) || hosts < 1 || hosts > 250) throw new Error(`a virtual network has 1 to 250 hosts, got ${hosts}`);
    const k = created++;
    const rootRoutes = await ip(['-4', 'route', 'show', 'table', 'all']).catch(() => '');
    let n = process.pid + k;
    const subnetOf = (m: number): string => `10.${128 + ((m >> 8) % 127)}.${m % 256}`;
    while (rootRoutes.includes(`${subnetOf(n)}.`)) n += 1;
    const prefix = k === 0 ? `weir${process.pid}` : `weir${process.pid}n${k + 1}`;
    const net = new VirtualNetwork(`${prefix}sw`, `${subnetOf(n)}.0/24`);
    try {
      const sw = net.switchNamespace;
      await net.addNamespace(sw);
      await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
      await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
      for (let i = 1; i <= hosts; i++) {
        const host: VirtualHost = { index: i, namespace: `${prefix}h${i}`, address: `${subnetOf(n)}.${i}`, interface: 'eth0' };
        await net.addNamespace(host.namespace);
        await ip(['-n', host.namespace, 'link', 'set', 'lo', 'up']);
        await ip(['-n', sw, 'link', 'add', `h${i}`, 'type', 'veth', 'peer', 'name', host.interface, 'netns', host.namespace]);
        await ip(['-n', sw, 'link', 'set', `h${i}`, 'master', 'br0', 'up']);
        await ip(['-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', host.interface]);
        await ip(['-n', host.namespace, 'link', 'set', host.interface, 'up']);
        net.hosts.push(host);
      }
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  private async addNamespace(name: string): Promise<void> {
    await ip(['netns', 'add', name]);
    this.namespaces.push(name);
  }

  /** Host `index` (1-based); @throws Error when there is none. */
  host(index: number): VirtualHost {
    const h = this.hosts[index - 1];
    if (h === undefined) throw new Error(`no host ${index} (${this.hosts.length} hosts)`);
    return h;
  }

  /** Starts `command args` in `host`'s namespace (`ip netns exec`), tracked for {@link destroy}. */
  run(host: VirtualHost, command: string, args: readonly string[], options: HostRunOptions = {}): HostProcess {
    if (this.destroyed) throw new Error('the virtual network was destroyed');
    const child = spawn(IP, ['netns', 'exec', host.namespace, command, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.processes.add(child);
    const label = options.label ?? basename(command);
    let out = '';
    let stdout = '';
    let done = false;
    const watchers = new Set<() => void>();
    const collect = (s: string): void => {
      out += s;
      if (out.length > 1 << 20) out = out.slice(-(1 << 20));
      for (const w of watchers) w();
    };
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout = (stdout + s).slice(-(1 << 20));
      collect(s);
    });
    child.stderr.setEncoding('utf8').on('data', collect);
    const exited = new Promise<HostExit>((resolve) => {
      const finish = (e: HostExit): void => {
        done = true;
        this.processes.delete(child);
        resolve(e);
        for (const w of watchers) w();
      };
      child.on('error', (err) => {
        collect(`${String(err)}\n`);
        finish({ code: -1, signal: null });
      });
      child.on('close', (code, signal) => finish({ code, signal }));
    });
    return {
      host,
      label,
      pid: child.pid,
      exited,
      hasExited: () => done,
      output: () => out,
      stdout: () => stdout,
      waitForOutput: (pattern, timeoutMs = 20_000) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => settle(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)} from ${label} on ${host.namespace}:\n${out.slice(-2000)}`)), timeoutMs);
          const settle = (err?: Error): void => {
            clearTimeout(timer);
            watchers.delete(check);
            if (err === undefined) resolve();
            else reject(err);
          };
          const check = (): void => {
            if (pattern.test(out)) settle();
            else if (done) settle(new Error(`${label} on ${host.namespace} exited before printing ${String(pattern)}:\n${out.slice(-2000)}`));
          };
          watchers.add(check);
          check();
        }),
      kill: () => {
        if (!done) child.kill('SIGKILL');
        return exited;
      },
    };
  }

  /**
   * Cuts `host` off the network: its LAN interface goes down (`ip link set eth0 down` inside the
   * host), so its processes keep running but no packet leaves or reaches it — the switch side
   * loses carrier, the host loses its route to the LAN.
   */
  async cutOff(host: VirtualHost): Promise<void> {
    await ip(['-n', host.namespace, 'link', 'set', host.interface, 'down']);
  }

  /**
   * Makes `address:port` (any host's address) reachable from the test runner: a listener on
   * 127.0.0.1 in the root namespace whose connections go over a Unix socket to a relay process
   * inside `via`, which connects to `address:port` on the LAN. Nothing is routed in the root namespace.
   * @returns the local port.
   */
  async forward(via: VirtualHost, address: string, port: number): Promise<number> {
    const path = await this.relay(via);
    const server = createServer((c) => {
      const up = createConnection(path);
      this.sockets.add(c).add(up);
      up.write(`${address} ${port}\n`);
      c.pipe(up).pipe(c);
      const end = (): void => {
        c.destroy();
        up.destroy();
        this.sockets.delete(c);
        this.sockets.delete(up);
      };
      c.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
    });
    this.servers.add(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const a = server.address();
        if (typeof a === 'object' && a !== null) resolve(a.port);
        else reject(new Error('the forward has no port'));
      });
    });
  }

  /** The Unix socket path of the relay inside `host` (started on first use). */
  private relay(host: VirtualHost): Promise<string> {
    let r = this.relays.get(host.index);
    if (r === undefined) {
      const path = join(this.dir, `relay-h${host.index}.sock`);
      const p = this.run(host, process.execPath, ['-e', RELAY_SCRIPT, path], { label: 'relay' });
      r = p.waitForOutput(/relay ready/, 10_000).then(() => path);
      this.relays.set(host.index, r);
    }
    return r;
  }

  /**
   * SIGKILLs every process still running that {@link run} started (by PID) and waits for them,
   * closes the forwards, then deletes the namespaces this network created — their veths and the
   * bridge go with them. Idempotent; never throws (a failed deletion is reported on stderr).
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const exits = [...this.processes].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('close', () => resolve());
      child.kill('SIGKILL');
    }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.servers].map((s) => new Promise((r) => s.close(r))));
    for (const ns of this.namespaces.reverse()) {
      await ip(['netns', 'del', ns]).catch((err: Error) => process.stderr.write(`network-namespaces: ${err.message}\n`));
    }
    this.namespaces.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
    process.off('exit', this.onExit);
  }

  /** {@link destroy} for `process.exit`: signals and deletions only, no waiting. */
  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const child of this.processes) child.kill('SIGKILL');
    // A namespace whose name is deleted while a dying process still holds it is freed by the kernel afterwards.
    for (const ns of this.namespaces.reverse()) ipSync(['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
