/**
 * Leader election of job managers through one key of a JetStream KV bucket, as a Kubernetes
 * lease (Flink's KubernetesLeaderElector: lease duration 15 s, retry period 5 s):
 *
 * - **acquire**: a contender that finds no lease creates it (`kv.create`, refused when the key
 *   exists); one that finds a lease released by its holder takes it over at once; one that finds a
 *   lease whose revision has not changed for the lease's duration — measured on the contender's own
 *   monotonic clock from when *it* first saw that revision, so clocks of different hosts are never
 *   compared — takes it over with `kv.update(key, value, thatRevision)`. The compare-and-set makes
 *   exactly one contender win; the others keep watching.
 * - **renew**: the leader rewrites the lease every `renewIntervalMs` with `kv.update(key, value,
 *   itsRevision)`. A refusal whose current value names another holder means it lost the lease.
 * - **give up**: a leader whose last confirmed renewal was *sent* `leaseDurationMs −
 *   renewIntervalMs` ago gives up (Flink's JobManager revokes leadership). A standby takes over no
 *   earlier than `leaseDurationMs` after it *saw* that renewal, which was after it was sent: the
 *   old leader has stopped at least one renew interval before a new one starts, provided neither
 *   process is paused (GC, SIGSTOP, a frozen VM) for longer than that margin.
 *
 * Lifecycle: `idle` → `start()` → `standby` ⇄ (acquire) → `leader` → (lost) `revoked`; `close()`
 * from any state → `closed`. A revoked election does not contend again (the job manager exits).
 *
 * The lease value is JSON ({@link LeaseRecord}); `term` counts holders (Flink's leader session).
 *
 * @see Flink's `KubernetesLeaderElector` / `DefaultLeaderElectionService` (leader contenders,
 *   grant and revoke callbacks).
 */
import type { KV, KvEntry } from 'nats';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { HighAvailabilityError, isRevisionConflict } from './high-availability.js';

/** The value of the lease key. Times are wall-clock epoch ms, for people: the protocol uses revisions. */
export interface LeaseRecord {
  /** The holding contender (unique per process: `<host>-<pid>-<random>`), `''` once released. */
  holder: string;
  host: string;
  pid: number;
  /** 1 for the first leader of the bucket, +1 for every new holder. */
  term: number;
  /** How long standbys wait for a renewal before taking over, ms (the holder's setting wins). */
  leaseDurationMs: number;
  acquiredAt: number;
  renewedAt: number;
  /** Set by a leader that shut down cleanly: a standby takes over without waiting. */
  released?: boolean;
}

/** What a new leader learns. */
export interface GrantedLease {
  /** Its term. */
  term: number;
  /** The lease it took over (undefined when it created the key). */
  previous: LeaseRecord | undefined;
}

/** States of a {@link LeaderElection} (see the module docstring). */
export type ElectionState = 'idle' | 'standby' | 'leader' | 'revoked' | 'closed';

/** Options of a {@link LeaderElection}. */
export interface LeaderElectionOptions {
  /** The bucket (see high-availability.ts). */
  kv: KV;
  /** The lease key (default `leader`). */
  key?: string;
  /** This contender: `id` unique per process and never reused. */
  contender: { id: string; host: string; pid: number };
  /** ms; see {@link HighAvailabilityOptions.leaseDurationMs}. */
  leaseDurationMs: number;
  /** ms; at most a third of `leaseDurationMs`. */
  renewIntervalMs: number;
  /** Monotonic time and timers (default {@link monotonicClock}; the wall clock may jump). */
  clock?: Clock;
  /** Called once when this contender becomes the leader. */
  onGranted: (lease: GrantedLease) => void;
  /** Called once when the leader lost its lease (`WEIR_ERR_LEADERSHIP_LOST`); the election is over. */
  onRevoked: (error: HighAvailabilityError) => void;
  log?: (line: string) => void;
}

/** `performance.now()` on the epoch scale: never jumps with NTP or a manual clock change. */
export const monotonicClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, delayMs) => systemClock.setTimeout(callback, delayMs),
};

/** A revision of the lease as one contender saw it first (its own clock). */
interface Observation {
  revision: number;
  at: number;
  record: LeaseRecord | undefined;
}

/**
 * One contender for the leadership of the job managers of a bucket (see the module docstring).
 * @example
 * const election = new LeaderElection({ kv, contender, leaseDurationMs: 15_000, renewIntervalMs: 5_000,
 *   onGranted: () => startLeaderServices(), onRevoked: () => stepDown() });
 * election.start();
 */
export class LeaderElection {
  private current: ElectionState = 'idle';
  private readonly key: string;
  private readonly clock: Clock;
  private tickTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  /** While leader: our record and its revision. */
  private held: { record: LeaseRecord; revision: number } | undefined;
  /** Send time of the newest write known to have reached the bucket (monotonic ms). */
  private confirmedAt = 0;
  /** Send time of the oldest write whose outcome is not known yet (a timed-out request may have landed). */
  private unknownSince: number | undefined;
  private observed: Observation | undefined;
  private highestTerm = 0;
  private failing = false;

  constructor(private readonly options: LeaderElectionOptions) {
    this.key = options.key ?? 'leader';
    this.clock = options.clock ?? monotonicClock;
  }

  /** Where the election is. */
  get state(): ElectionState {
    return this.current;
  }

  /** The term while leader. */
  get term(): number | undefined {
    return this.held?.record.term;
  }

  /** Starts contending: looks at the lease now, then every `renewIntervalMs`. */
  start(): void {
    if (this.current !== 'idle') return;
    this.current = 'standby';
    this.schedule(0);
  }

  /**
   * Stops contending or leading. With `release` (a clean shutdown) a leader marks its lease released
   * so a standby takes over at once instead of after the lease duration. Never throws.
   */
  async close(release: boolean): Promise<void> {
    const wasLeader = this.current === 'leader';
    this.current = 'closed';
    this.tickTimer?.cancel();
    this.deadlineTimer?.cancel();
    await this.inFlight;
    const held = this.held;
    if (!wasLeader || !release || held === undefined) return;
    try {
      await this.options.kv.update(this.key, encode({ ...held.record, holder: '', released: true, renewedAt: Date.now() }), held.revision);
      this.log(`released the lease (term ${held.record.term})`);
    } catch (err) {
      this.log(`could not release the lease (standbys take over after its duration): ${message(err)}`);
    }
  }

  private schedule(delayMs: number): void {
    this.tickTimer = this.clock.setTimeout(() => {
      this.inFlight = this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      if (this.current === 'standby') await this.tryAcquire();
      else if (this.current === 'leader') await this.renew();
    } catch (err) {
      this.failed('looking after the lease', err);
    }
    if (this.current === 'standby' || this.current === 'leader') this.schedule(this.options.renewIntervalMs);
  }

  private async tryAcquire(): Promise<void> {
    let entry: KvEntry | null;
    try {
      entry = await this.options.kv.get(this.key);
    } catch (err) {
      return this.failed('reading the lease', err);
    }
    this.recovered();
    if (this.current !== 'standby') return;
    if (entry === null || entry.operation !== 'PUT') return this.acquire(undefined, this.highestTerm + 1, undefined);
    const record = parseLease(entry.value);
    if (record !== undefined) this.highestTerm = Math.max(this.highestTerm, record.term);
    if (record?.holder === this.options.contender.id) {
      // One of our acquisitions landed although its reply was lost.
      return this.becomeLeader(record, entry.revision, this.unknownSince ?? this.clock.now(), undefined);
    }
    if (record?.released === true) {
      this.log(`the lease of term ${record.term} was released: taking over`);
      return this.acquire(entry.revision, record.term + 1, record);
    }
    const now = this.clock.now();
    if (this.observed?.revision !== entry.revision) {
      if (this.observed?.record?.holder !== record?.holder || this.observed === undefined) {
        this.log(`standby: ${record === undefined ? 'an unreadable lease' : `job manager ${record.holder} (${record.host}, pid ${record.pid}) leads, term ${record.term}`}`);
      }
      this.observed = { revision: entry.revision, at: now, record };
      return;
    }
    const lease = record?.leaseDurationMs ?? this.options.leaseDurationMs;
    if (now - this.observed.at < lease) return;
    this.log(`the lease of ${record?.holder ?? 'an unknown holder'} was not renewed for ${Math.round(now - this.observed.at)} ms (lease ${lease} ms): taking over`);
    return this.acquire(entry.revision, (record?.term ?? this.highestTerm) + 1, record);
  }

  /** Creates (`revision` undefined) or takes over the lease by compare-and-set. */
  private async acquire(revision: number | undefined, term: number, previous: LeaseRecord | undefined): Promise<void> {
    const { id, host, pid } = this.options.contender;
    const wall = Date.now();
    const record: LeaseRecord = { holder: id, host, pid, term, leaseDurationMs: this.options.leaseDurationMs, acquiredAt: wall, renewedAt: wall };
    const sentAt = this.clock.now();
    let written: number;
    try {
      written = revision === undefined ? await this.options.kv.create(this.key, encode(record)) : await this.options.kv.update(this.key, encode(record), revision);
    } catch (err) {
      if (isRevisionConflict(err)) {
        this.observed = undefined; // someone else was faster (or the leader renewed): watch again
        return;
      }
      this.unknownSince ??= sentAt;
      return this.failed('acquiring the lease', err);
    }
    if (this.current !== 'standby') return; // closed meanwhile: the lease runs out unrenewed
    this.becomeLeader(record, written, this.unknownSince ?? sentAt, previous);
  }

  private becomeLeader(record: LeaseRecord, revision: number, confirmedAt: number, previous: LeaseRecord | undefined): void {
    this.current = 'leader';
    this.held = { record, revision };
    this.confirmedAt = confirmedAt;
    this.unknownSince = undefined;
    this.highestTerm = Math.max(this.highestTerm, record.term);
    this.armDeadline();
    this.log(`granted leadership (term ${record.term}, lease ${this.options.leaseDurationMs} ms, renewed every ${this.options.renewIntervalMs} ms)`);
    try {
      this.options.onGranted({ term: record.term, previous });
    } catch (err) {
      this.log(`the leadership callback threw: ${message(err)}`);
    }
  }

  private async renew(): Promise<void> {
    const held = this.held!;
    const sentAt = this.clock.now();
    this.unknownSince ??= sentAt;
    const record: LeaseRecord = { ...held.record, renewedAt: Date.now() };
    try {
      const revision = await this.options.kv.update(this.key, encode(record), held.revision);
      if (this.current !== 'leader') return;
      this.held = { record, revision };
      this.confirm();
      this.recovered();
      return;
    } catch (err) {
      if (this.current !== 'leader') return;
      if (!isRevisionConflict(err)) return this.failed('renewing the lease', err);
    }
    // Refused: either an earlier renewal whose reply was lost landed, or someone else holds it.
    let entry: KvEntry | null;
    try {
      entry = await this.options.kv.get(this.key);
    } catch (err) {
      return this.failed('reading the lease', err);
    }
    if (this.current !== 'leader') return;
    const now = entry !== null && entry.operation === 'PUT' ? parseLease(entry.value) : undefined;
    if (entry !== null && now?.holder === held.record.holder && now.term === held.record.term) {
      this.held = { record: now, revision: entry.revision };
      this.confirm();
      return;
    }
    this.revoke(now === undefined ? 'the lease was deleted or overwritten' : `job manager ${now.holder || '(released)'} (${now.host}, pid ${now.pid}) holds the lease now, term ${now.term}`);
  }

  /** The oldest unconfirmed write has landed (or a later one did: either way no earlier than it was sent). */
  private confirm(): void {
    this.confirmedAt = this.unknownSince ?? this.confirmedAt;
    this.unknownSince = undefined;
    this.armDeadline();
  }

  private armDeadline(): void {
    this.deadlineTimer?.cancel();
    const giveUpAfter = this.options.leaseDurationMs - this.options.renewIntervalMs;
    const due = this.confirmedAt + giveUpAfter;
    this.deadlineTimer = this.clock.setTimeout(() => {
      if (this.current !== 'leader') return;
      // Node's timers may fire a little before `performance.now()` reaches the due time: wait the rest.
      if (this.clock.now() < due) return this.armDeadline();
      this.revoke(`could not renew the lease for ${Math.round(this.clock.now() - this.confirmedAt)} ms (a standby may take over ${this.options.leaseDurationMs} ms after the last renewal)`);
    }, due - this.clock.now());
  }

  private revoke(reason: string): void {
    if (this.current !== 'leader') return;
    this.current = 'revoked';
    this.tickTimer?.cancel();
    this.deadlineTimer?.cancel();
    this.log(`lost leadership (term ${this.held?.record.term}): ${reason}`);
    this.options.onRevoked(new HighAvailabilityError('WEIR_ERR_LEADERSHIP_LOST', `lost leadership: ${reason}`));
  }

  /** Logs the first failure of a run of failures (the next success is logged too). */
  private failed(what: string, err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.log(`${what} failed (retrying every ${this.options.renewIntervalMs} ms): ${message(err)}`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log('the lease bucket answers again');
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function encode(record: LeaseRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

/** The lease in `bytes`, or undefined when it is not a lease record. */
export function parseLease(bytes: Uint8Array): LeaseRecord | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LeaseRecord>;
    if (typeof r.holder !== 'string' || typeof r.term !== 'number' || typeof r.leaseDurationMs !== 'number') return undefined;
    return { holder: r.holder, host: String(r.host ?? ''), pid: Number(r.pid ?? 0), term: r.term, leaseDurationMs: r.leaseDurationMs, acquiredAt: Number(r.acquiredAt ?? 0), renewedAt: Number(r.renewedAt ?? 0), ...(r.released === true && { released: true }) };
  } catch {
    return undefined;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
