// Writes a small CSV to train on: 6 numeric features and a class label (0, 1 or 2) per line.
//
//   node make-blobs.mjs data.csv [examples]

import { writeFileSync } from 'node:fs';

const [path = 'data.csv', count = '600'] = process.argv.slice(2);
let state = 12345;
/** A tiny seeded generator, so every run writes the same file. */
const uniform = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
const lines = [];
for (let i = 0; i < Number(count); i++) {
  const label = i % 3;
  const features = Array.from({ length: 6 }, (_, j) => ((j % 3 === label ? 1.5 : 0) + 2 * uniform() - 1).toFixed(4));
  lines.push([...features, label].join(','));
}
writeFileSync(path, `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length} examples to ${path}`);
