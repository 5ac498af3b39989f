// Where an elastic (dynamic-membership) rendezvous keeps the job's shared state: one opaque blob per job,
// replaced only by compare-and-set, so any participant may drive the round and none has to be special.

/** The job's state blob and the token naming its version (what compare-and-set compares). */
export interface VersionedState {
  state: Uint8Array;
  token: string;
}

/** What a compare-and-set returns: the state now stored, and whether it is the one this call wrote. */
export interface SetStateResult extends VersionedState {
  /** False when another participant changed the state first; `state` and `token` are then the current ones. */
  written: boolean;
}

/**
 * Storage of an elastic rendezvous (the shape of torchrun's RendezvousBackend). Every participant reads the
 * state, computes the next one, and writes it only if nobody changed it in between; losers re-read and retry.
 * Implementations must not hang: an unreachable backend fails with a typed error within their time limit.
 */
export interface RendezvousStateBackend {
  /** Backend name for messages ('builtin', 'etcd'). */
  readonly name: string;
  /** The current state, or undefined when this job has none yet. */
  getState(): Promise<VersionedState | undefined>;
  /** Stores `state` if the current version is `token`; `token` undefined means "only if no state exists yet". */
  setState(state: Uint8Array, token: string | undefined): Promise<SetStateResult>;
  /** Releases connections, leases and timers. The stored state stays for the other participants. */
  close(): Promise<void>;
}
