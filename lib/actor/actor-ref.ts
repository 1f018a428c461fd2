/**
 * The one reference shape for every actor, local or remote: `address` names the actor system
 * (a process, a worker thread or a host; `local` for the embedded system) and `id` names the
 * actor inside it (a path such as `job-1/map-2/0`). Refs are plain data, so they travel inside
 * messages and cbor-x encodes them. The {@link ActorSystem}'s registry resolves them.
 *
 * @see protoactor's PID (address + id).
 */
export interface ActorRef {
  readonly address: string;
  readonly id: string;
}

/** Builds a ref. */
export function actorRef(address: string, id: string): ActorRef {
  return { address, id };
}

/** Renders a ref as `id@address`, for logs and errors. */
export function formatRef(ref: ActorRef): string {
  return `${ref.id}@${ref.address}`;
}

/** True when both refs name the same actor. */
export function sameRef(a: ActorRef | undefined, b: ActorRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.id === b.id && a.address === b.address;
}
