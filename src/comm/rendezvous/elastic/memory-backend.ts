// A RendezvousStateBackend in this process's memory: the reference semantics of compare-and-set, and the backend of
// the handler's tests (several handlers sharing one MemoryStateBackend act as several nodes).

import type { RendezvousStateBackend, SetStateResult, VersionedState } from './state-backend.js';

export class MemoryStateBackend implements RendezvousStateBackend {
  readonly name = 'memory';
  private current: VersionedState | undefined;
  private version = 0;

  async getState(): Promise<VersionedState | undefined> {
    return this.current && { state: Uint8Array.from(this.current.state), token: this.current.token };
  }

  async setState(state: Uint8Array, token: string | undefined): Promise<SetStateResult> {
    if (this.current?.token === token) this.current = { state: Uint8Array.from(state), token: String(++this.version) };
    else return { ...this.current!, state: Uint8Array.from(this.current!.state), written: false };
    return { state: Uint8Array.from(this.current.state), token: this.current.token, written: true };
  }

  /** Replaces the stored blob as an outsider would (tests of the seal). */
  overwrite(state: Uint8Array): void {
    this.current = { state: Uint8Array.from(state), token: String(++this.version) };
  }

  async close(): Promise<void> {}
}
