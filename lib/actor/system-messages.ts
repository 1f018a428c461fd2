/**
 * Messages the actor system itself sends on the system lane. They are handled by the runtime, not
 * by `receive`; plain data except `child-failed`, which stays inside one system.
 */
import type { ActorRef } from './actor-ref.js';

/** Marker so user messages can never be mistaken for system messages. */
export const SYSTEM_MESSAGE = Symbol('weir.system-message');

export type SystemMessage =
  | { [SYSTEM_MESSAGE]: true; type: 'stop' }
  | { [SYSTEM_MESSAGE]: true; type: 'child-failed'; child: ActorRef; error: unknown };

export function isSystemMessage(m: unknown): m is SystemMessage {
  return typeof m === 'object' && m !== null && (m as Record<symbol, unknown>)[SYSTEM_MESSAGE] === true;
}
