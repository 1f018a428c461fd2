/**
 * The one inspection stream of an actor system: typed events that the CLI, tests and telemetry all
 * consume (STYLE 14). Listeners run synchronously on the system's thread and must not throw;
 * a throwing listener is removed and reported on stderr.
 */
import type { ActorRef } from './actor-ref.js';
import type { Directive } from './supervision.js';

export type InspectionEvent =
  | { type: 'actor-started'; ref: ActorRef; parent?: ActorRef }
  | { type: 'actor-stopped'; ref: ActorRef }
  | { type: 'actor-failed'; ref: ActorRef; error: unknown }
  | { type: 'actor-restarted'; ref: ActorRef; restarts: number }
  | { type: 'supervision-decision'; supervisor: ActorRef; child: ActorRef; directive: Directive; scope: 'one' | 'all'; delayMs: number; error: unknown }
  | { type: 'dead-letter'; to: ActorRef; from?: ActorRef; message: unknown; reason: string };

export type InspectionListener = (event: InspectionEvent) => void;

/** A synchronous fan-out of {@link InspectionEvent}s. */
export class InspectionStream {
  private listeners: InspectionListener[] = [];

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: InspectionListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** True when anyone listens (so emitters can skip building events). */
  get active(): boolean {
    return this.listeners.length > 0;
  }

  emit(event: InspectionEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.listeners = this.listeners.filter((x) => x !== l);
        process.stderr.write(`weir: inspection listener removed after it threw: ${String(err)}\n`);
      }
    }
  }
}
