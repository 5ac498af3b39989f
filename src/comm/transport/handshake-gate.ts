// Admission of connections that have not authenticated yet: capped in total and per source address.
//
// A listener (peer links, the rendezvous store) accepts anyone; until the handshake proves the job
// token the connection costs memory and a timer. The gate bounds how many such connections a host, or
// everyone together, can hold open at once, so idle or slow strangers cannot crowd out the ranks.

import type { Socket } from 'node:net';

export interface HandshakeGateOptions {
  /** Connections in their handshake at once, all sources together. Default 64. */
  maxPending?: number;
  /** Connections in their handshake at once from one source address. Default 8. */
  maxPendingPerAddress?: number;
}

export class HandshakeGate {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly maxPending: number;
  private readonly maxPendingPerAddress: number;

  constructor(options: HandshakeGateOptions = {}) {
    this.maxPending = options.maxPending ?? 64;
    this.maxPendingPerAddress = options.maxPendingPerAddress ?? 8;
  }

  /**
   * Admits `socket` to its handshake and returns the function that releases its place (call it once
   * the handshake settled), or returns a reason when a cap is reached; the caller then closes it.
   */
  admit(socket: Socket): (() => void) | string {
    const address = socket.remoteAddress ?? '?';
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (this.total >= this.maxPending) return `${this.total} connections are already in their handshake (the cap)`;
    if (fromAddress >= this.maxPendingPerAddress) return `${fromAddress} connections from ${address} are already in their handshake (the per-address cap)`;
    this.total++;
    this.byAddress.set(address, fromAddress + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left === 0) this.byAddress.delete(address);
      else this.byAddress.set(address, left);
    };
  }
}
