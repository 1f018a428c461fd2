/**
 * A {@link Transport} between actor systems in worker threads of one process: the framed
 * protocol of {@link FramedTransport} over one `MessagePort` per peer (a full mesh). Frames are
 * posted as Uint8Array with their ArrayBuffer in the transfer list, so the bytes move without a
 * copy (each frame is assembled into a buffer of its own). MessagePorts are reliable and ordered:
 * there is no retransmission, but credits still flow, so a slow worker back-pressures its senders.
 *
 * Port messages are `[0, frameBytes]` (a frame) or `[1, controlBytes]` (ack/credit); anything else
 * is counted in `framesDropped`. A port whose peer closes is forgotten ({@link forgetPeer}).
 * {@link close} closes every port, so none keeps the process alive.
 *
 * @example
 * // main thread
 * const mesh = WorkerThreadTransport.mesh(['main', 'w1', 'w2']);
 * const w1 = new Worker(entry, { workerData: { address: 'w1', ports: mesh.get('w1') }, transferList: [...mesh.get('w1')!.values()] });
 * const main = WorkerThreadTransport.connect('main', mesh.get('main')!);
 * // worker: WorkerThreadTransport.connect(workerData.address, workerData.ports)
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ConfigurationError, WeirError } from '../errors.js';
import { FramedTransport, validateAddress, type FramedTransportOptions } from './framed-transport.js';

const FRAME = 0;
const CONTROL = 1;
/** No link limit on a MessagePort; frames are still cut at `maxFrameBytes`. */
const MAX_MESSAGE_BYTES = 2 ** 31 - 1;

/** The worker-thread transport of one actor system address (see the module docstring). */
export class WorkerThreadTransport extends FramedTransport {
  private readonly ports = new Map<string, MessagePort>();

  /**
   * Creates the transport of the system at `address`, talking to each peer over its port.
   * @throws ConfigurationError `WEIR_ERR_CONFIG` for an invalid address or limit.
   */
  static connect(address: string, ports: Map<string, MessagePort>, options: FramedTransportOptions = {}): WorkerThreadTransport {
    return new WorkerThreadTransport(address, ports, options);
  }

  /**
   * Creates one MessageChannel per pair of `addresses`: the result maps each address to its ports
   * by peer address. Hand each map to its thread (the ports go in the Worker's `transferList`).
   * @throws ConfigurationError `WEIR_ERR_CONFIG` for an invalid or repeated address.
   */
  static mesh(addresses: readonly string[]): Map<string, Map<string, MessagePort>> {
    const out = new Map<string, Map<string, MessagePort>>();
    for (const a of addresses) {
      validateAddress(a);
      if (out.has(a)) throw new ConfigurationError(`address '${a}' appears twice in the mesh`);
      out.set(a, new Map());
    }
    for (let i = 0; i < addresses.length; i++) {
      for (let j = i + 1; j < addresses.length; j++) {
        const { port1, port2 } = new MessageChannel();
        out.get(addresses[i]!)!.set(addresses[j]!, port1);
        out.get(addresses[j]!)!.set(addresses[i]!, port2);
      }
    }
    return out;
  }

  constructor(address: string, ports: Map<string, MessagePort>, options: FramedTransportOptions = {}) {
    super(address, options, true, MAX_MESSAGE_BYTES);
    for (const [peer, port] of ports) {
      validateAddress(peer, 'peer address');
      this.ports.set(peer, port);
      const origin = `port from '${peer}'`;
      port.on('message', (m: unknown) => this.onPortMessage(m, origin));
      port.on('close', () => {
        this.ports.delete(peer);
        if (!this.isClosed) this.forgetPeer(peer);
      });
    }
  }

  protected writeFrame(peer: string, bytes: Uint8Array): void {
    const port = this.portTo(peer);
    // assembleFrame gives every frame a buffer of its own: transferring it detaches nothing else.
    port.postMessage([FRAME, bytes], [bytes.buffer as ArrayBuffer]);
  }

  protected postControl(peer: string, bytes: Uint8Array): void {
    // Small, and a view into cbor-x's shared buffer: copied, not transferred.
    this.portTo(peer).postMessage([CONTROL, bytes]);
  }

  protected closeLink(): Promise<void> {
    for (const p of this.ports.values()) p.close();
    this.ports.clear();
    return Promise.resolve();
  }

  private portTo(peer: string): MessagePort {
    const port = this.ports.get(peer);
    if (port === undefined) throw new WeirError('WEIR_ERR_NO_ROUTE', `no port to '${peer}' from '${this.localAddress}' (not in the mesh, or closed)`);
    return port;
  }

  private onPortMessage(m: unknown, origin: string): void {
    if (Array.isArray(m) && m.length === 2 && m[1] instanceof Uint8Array) {
      if (m[0] === FRAME) return this.receiveFrame(m[1], origin);
      if (m[0] === CONTROL) return this.receiveControl(m[1], origin);
    }
    this.dropped(new WeirError('WEIR_ERR_DECODE', 'not a [kind, bytes] port message'), m instanceof Uint8Array ? m : new Uint8Array(0), origin);
  }
}
