// The rendezvous steps over the store: publish this rank's address and fingerprint, gather everyone's, leave.

import { CommError, GenerationMismatchError, ProtocolError } from '../errors.js';
import type { ConfigFingerprint } from './fingerprint.js';
import { StoreTimeoutError, type StoreClient } from './store-client.js';

/** What each rank publishes: where it accepts peer connections, and its configuration fingerprint. */
export interface PeerRecord {
  host: string;
  port: number;
  fingerprint: ConfigFingerprint;
}

/** Store keys used by the rendezvous (one store per job, so no job prefix is needed). */
export const peerKey = (rank: number): string => `lion-cub/peer/${rank}`;
export const leftKey = (rank: number): string => `lion-cub/left/${rank}`;
/** Set by the host (rank 0) before anyone publishes: the restart generation this store serves. */
export const GENERATION_KEY = 'lion-cub/generation';

/**
 * The host records `generation`; every rank (the host included) reads the store's generation before publishing
 * anything, and a process of another generation is refused with GenerationMismatchError naming both: a worker
 * left over from before a restart (or started by a launcher that restarted a different number of times) must not
 * join the new job. It never publishes, so the job it tried to join is not disturbed.
 */
export async function checkGeneration(store: StoreClient, rank: number, generation: number, isHost: boolean, timeoutMs: number): Promise<void> {
  if (isHost) await store.set(GENERATION_KEY, String(generation));
  const theirs = Number(Buffer.from(await store.get(GENERATION_KEY, timeoutMs)).toString('utf8'));
  if (theirs !== generation) {
    throw new GenerationMismatchError(
      `rank ${rank} belongs to restart generation ${generation}, but the job at the rendezvous is at generation ${theirs}: `
        + `${generation < theirs ? 'a process left over from before a restart' : 'the rendezvous host is left over from before a restart'} is refused`,
      { op: 'rendezvous', rank },
    );
  }
}

export interface ExchangeOptions {
  store: StoreClient;
  rank: number;
  worldSize: number;
  self: PeerRecord;
  timeoutMs: number;
}

/**
 * Publishes `self` under lion-cub/peer/<rank>, waits for every rank's record and returns them indexed by
 * rank. Throws CommError code `rendezvous` naming the ranks that never arrived within `timeoutMs`, or
 * ProtocolError when a record is malformed.
 */
export async function exchangePeerRecords(options: ExchangeOptions): Promise<PeerRecord[]> {
  const { store, rank, worldSize, self, timeoutMs } = options;
  const started = Date.now();
  const keys = Array.from({ length: worldSize }, (_, r) => peerKey(r));
  await store.set(peerKey(rank), JSON.stringify(self));
  await waitForRanks(store, keys, timeoutMs, rank, worldSize, 'never arrived at the rendezvous');
  const left = Math.max(1, timeoutMs - (Date.now() - started));
  const raw = await Promise.all(keys.map((k) => store.get(k, left)));
  return raw.map((bytes, r) => parseRecord(Buffer.from(bytes).toString('utf8'), r));
}

/**
 * Marks this rank as done with the store. The host (rank 0, which serves the store) then waits until
 * every rank is done, so that it does not shut the store while another rank still reads from it.
 * Throws CommError code `rendezvous` naming the ranks that did not finish within `timeoutMs`.
 */
export async function leaveRendezvous(store: StoreClient, rank: number, worldSize: number, isHost: boolean, timeoutMs: number): Promise<void> {
  await store.set(leftKey(rank), '1');
  if (!isHost) return;
  const keys = Array.from({ length: worldSize }, (_, r) => leftKey(r));
  await waitForRanks(store, keys, timeoutMs, rank, worldSize, 'did not finish the rendezvous');
}

async function waitForRanks(store: StoreClient, keys: string[], timeoutMs: number, rank: number, worldSize: number, what: string): Promise<void> {
  const started = Date.now();
  try {
    await store.wait(keys, timeoutMs);
  } catch (error) {
    if (!(error instanceof StoreTimeoutError)) throw error;
    const missing = error.missingKeys.map((k) => Number(k.slice(k.lastIndexOf('/') + 1))).sort((a, b) => a - b);
    throw new CommError(
      'rendezvous',
      `rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${what} within ${Date.now() - started} ms ` +
        `(${worldSize - missing.length} of ${worldSize} did): check that every rank was started with the same MASTER_ADDR, MASTER_PORT, world size and job token`,
      { op: 'rendezvous', rank, elapsedMs: Date.now() - started },
    );
  }
}

function parseRecord(text: string, rank: number): PeerRecord {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    record = undefined;
  }
  const r = record as Partial<PeerRecord> | undefined;
  if (typeof r !== 'object' || r === null || typeof r.host !== 'string' || !Number.isInteger(r.port) || typeof r.fingerprint !== 'object' || r.fingerprint === null) {
    throw new ProtocolError(`the rendezvous record of rank ${rank} is malformed: ${text.slice(0, 200)}`, { op: 'rendezvous', peer: rank });
  }
  return { host: r.host, port: r.port!, fingerprint: r.fingerprint };
}
