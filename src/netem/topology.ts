// Creates and deletes one emulated switched Ethernet: a bridge namespace and one shaped namespace per rank.

import { InvalidArgumentError } from '../errors.js';
import { runTool } from './commands.js';
import { MAX_EMULATED_RANKS, PREFIX_LENGTH, jobIdFor, rankAddress, rankNamespaceName, switchNamespaceName } from './names.js';
import { tbfArgs, tbfParams, type TbfParams } from './tbf.js';

/** One emulated network. Namespaces exist from `createTopology` until `destroyTopology`. */
export interface NetemTopology {
  jobId: string;
  /** Holds the bridge `br0` and the switch ends `p<rank>` of every veth pair. */
  switchNamespace: string;
  /** rankNamespaces[k] holds rank k's NIC `eth0`. */
  rankNamespaces: string[];
  /** addresses[k] is rank k's IPv4 address (198.18.0.0/15). */
  addresses: string[];
  tbf: TbfParams;
}

export interface CreateTopologyOptions {
  worldSize: number;
  rateBitsPerSec: number;
}

let topologySeq = 0;

async function ipIn(ns: string, ...args: string[]): Promise<void> {
  await runTool('ip', ['-n', ns, ...args]);
}

/**
 * Builds the switched network for `worldSize` ranks:
 *
 *   [lc…-r0: lo, eth0 198.18.0.1/15] ═veth═ [lc…-sw: p0 ─┐
 *   [lc…-r1: lo, eth0 198.18.0.2/15] ═veth═ [        p1 ─┴ br0]
 *
 * Each veth is shaped by tbf at both ends (egress of eth0 = the NIC sending, egress of p<k> = the switch
 * port sending to it), so every NIC has the rate in each direction, as on a full-duplex switched link.
 * On any failure the namespaces created so far are deleted and the NetemCommandError is rethrown.
 * Needs root; call checkNetemSupport() first for a clear error.
 */
export async function createTopology({ worldSize, rateBitsPerSec }: CreateTopologyOptions): Promise<NetemTopology> {
  if (!Number.isInteger(worldSize) || worldSize < 1 || worldSize > MAX_EMULATED_RANKS) {
    throw new InvalidArgumentError('worldSize', worldSize, `an integer in [1, ${MAX_EMULATED_RANKS}] for an emulated network`);
  }
  const jobId = jobIdFor(process.pid, topologySeq++);
  const topology: NetemTopology = {
    jobId,
    switchNamespace: switchNamespaceName(jobId),
    rankNamespaces: Array.from({ length: worldSize }, (_, k) => rankNamespaceName(jobId, k)),
    addresses: Array.from({ length: worldSize }, (_, k) => rankAddress(k)),
    tbf: tbfParams(rateBitsPerSec),
  };
  const created: string[] = [];
  try {
    const sw = topology.switchNamespace;
    await runTool('ip', ['netns', 'add', sw]);
    created.push(sw);
    await ipIn(sw, 'link', 'set', 'lo', 'up');
    await ipIn(sw, 'link', 'add', 'br0', 'type', 'bridge');
    await ipIn(sw, 'link', 'set', 'br0', 'up');
    const shaping = tbfArgs(topology.tbf);
    for (let k = 0; k < worldSize; k++) {
      const ns = topology.rankNamespaces[k];
      const port = `p${k}`;
      await runTool('ip', ['netns', 'add', ns]);
      created.push(ns);
      // Created straight into the two namespaces, so no name ever appears in the host namespace.
      await runTool('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
      await ipIn(sw, 'link', 'set', port, 'master', 'br0');
      await ipIn(sw, 'link', 'set', port, 'up');
      await runTool('tc', ['-n', sw, 'qdisc', 'replace', 'dev', port, 'root', ...shaping]);
      await ipIn(ns, 'link', 'set', 'lo', 'up');
      await ipIn(ns, 'addr', 'add', `${topology.addresses[k]}/${PREFIX_LENGTH}`, 'dev', 'eth0');
      await ipIn(ns, 'link', 'set', 'eth0', 'up');
      await runTool('tc', ['-n', ns, 'qdisc', 'replace', 'dev', 'eth0', 'root', ...shaping]);
    }
  } catch (err) {
    await deleteNamespaces(created);
    throw err;
  }
  return topology;
}

/**
 * Deletes every namespace of the topology (deleting a namespace destroys its veth ends and the bridge).
 * Never throws: it is called from cleanup paths; returns the names that could not be deleted.
 */
export function destroyTopology(topology: NetemTopology): Promise<string[]> {
  return deleteNamespaces([...topology.rankNamespaces, topology.switchNamespace]);
}

/** Deletes the named namespaces, ignoring ones already gone; returns those that failed for another reason. */
export async function deleteNamespaces(names: readonly string[]): Promise<string[]> {
  const failed: string[] = [];
  for (const name of names) {
    try {
      await runTool('ip', ['netns', 'delete', name]);
    } catch {
      if (await namespaceExists(name)) failed.push(name);
    }
  }
  return failed;
}

/** Names of all network namespaces on this machine (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const out = await runTool('ip', ['netns', 'list']);
  return out.split('\n').map((line) => line.trim().split(/\s+/)[0]).filter((name) => name.length > 0);
}

async function namespaceExists(name: string): Promise<boolean> {
  try {
    return (await listNamespaces()).includes(name);
  } catch {
    return true;
  }
}
