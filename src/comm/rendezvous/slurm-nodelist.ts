// Expands Slurm's compressed host lists (SLURM_JOB_NODELIST): "node[1-3,7]", "a[01-03],b7", "r[1-2]-n[1-2]".

import { InvalidArgumentError } from '../../errors.js';

/**
 * The host names of a Slurm host list, in order. Commas outside brackets separate items; inside brackets they
 * separate numbers and ranges, and a range keeps the zero padding of its first number ("a[08-10]" → a08, a09, a10).
 * Several bracket groups in one item multiply out left to right. Throws InvalidArgumentError naming `field` for
 * unbalanced brackets or a range that is not "lo-hi" with lo ≤ hi, or a list over 100 000 hosts.
 */
export function expandNodelist(list: string, field = 'SLURM_JOB_NODELIST'): string[] {
  const hosts: string[] = [];
  for (const item of splitTopLevel(list, field)) {
    let names = [''];
    const pattern = /([^[]*)(?:\[([^\]]*)\])?/g;
    for (let m = pattern.exec(item); m !== null && m[0] !== ''; m = pattern.exec(item)) {
      const [, literal, group] = m;
      const parts = group === undefined ? [''] : expandGroup(group, list, field);
      names = names.flatMap((n) => parts.map((p) => `${n}${literal}${p}`));
      if (names.length > 100_000) throw new InvalidArgumentError(field, list, 'a host list of at most 100 000 hosts');
    }
    hosts.push(...names);
  }
  return hosts;
}

function splitTopLevel(list: string, field: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '[') depth++;
    else if (list[i] === ']') depth--;
    if (depth < 0 || depth > 1) throw new InvalidArgumentError(field, list, 'a Slurm host list such as node[1-3,7] (brackets balanced, not nested)');
    if (list[i] === ',' && depth === 0) {
      items.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new InvalidArgumentError(field, list, 'a Slurm host list such as node[1-3,7] (brackets balanced, not nested)');
  items.push(list.slice(start));
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

function expandGroup(group: string, list: string, field: string): string[] {
  const out: string[] = [];
  for (const part of group.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new InvalidArgumentError(field, list, `numbers or ranges lo-hi inside brackets (not "${part}")`);
    const width = m[1].length;
    const hi = m[2] === undefined ? Number(m[1]) : Number(m[2]);
    if (hi - Number(m[1]) > 100_000) throw new InvalidArgumentError(field, list, 'a host list of at most 100 000 hosts');
    for (let n = Number(m[1]); n <= hi; n++) out.push(String(n).padStart(width, '0'));
  }
  return out;
}
