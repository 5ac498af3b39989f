// Names of the namespaces of one emulated network, and the RFC 2544 addresses of its ranks.

import { InvalidArgumentError } from '../errors.js';

/**
 * Every namespace lion-cub creates is named `lc<pid>x<seq>-sw` (the switch) or `lc<pid>x<seq>-r<rank>`,
 * where pid is the creating process and seq counts topologies within it. The pid keeps parallel jobs
 * apart and lets a sweep tell a dead job's namespaces from a live one's.
 */
const NAME_PATTERN = /^lc(\d+)x(\d+)-(sw|r\d+)$/;

export interface ParsedNamespaceName {
  ownerPid: number;
  /** `lc<pid>x<seq>`: shared by all namespaces of one topology. */
  jobId: string;
}

export function jobIdFor(ownerPid: number, seq: number): string {
  return `lc${ownerPid}x${seq}`;
}

export function switchNamespaceName(jobId: string): string {
  return `${jobId}-sw`;
}

export function rankNamespaceName(jobId: string, rank: number): string {
  return `${jobId}-r${rank}`;
}

/** Returns the owner of a lion-cub namespace name, or undefined for any other name (never touched). */
export function parseNamespaceName(name: string): ParsedNamespaceName | undefined {
  const m = NAME_PATTERN.exec(name);
  if (!m) return undefined;
  return { ownerPid: Number(m[1]), jobId: `lc${m[1]}x${m[2]}` };
}

/**
 * 198.18.0.0/15 is reserved for network benchmarks (RFC 2544) and routed nowhere, so emulated traffic
 * cannot reach a real network even if a route leaked. Rank k gets the (k+1)-th host address.
 */
export const NETWORK_BASE = (198 << 24 >>> 0) + (18 << 16);
export const PREFIX_LENGTH = 15;
/** Bridges accept at most 1024 ports; stay well below that. */
export const MAX_EMULATED_RANKS = 1000;

export function rankAddress(rank: number): string {
  if (!Number.isInteger(rank) || rank < 0 || rank >= MAX_EMULATED_RANKS) {
    throw new InvalidArgumentError('rank', rank, `an integer in [0, ${MAX_EMULATED_RANKS - 1}] for an emulated network`);
  }
  const a = NETWORK_BASE + rank + 1;
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}
