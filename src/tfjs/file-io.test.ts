// The file:// handler: tfjs-node's file layout (model.json + weights.bin), a save/load round trip, clear errors.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from './backend.js';
import { tf, type Tensor } from './tf.js';
import { InvalidArgumentError } from '../errors.js';
import './index.js';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

function smallModel(): ReturnType<typeof tf.sequential> {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }),
      tf.layers.dense({ units: 2 }),
    ],
  });
}

test('model.save("file://dir") writes model.json and weights.bin in tfjs-node\'s layout, and tf.loadLayersModel reads them back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-io-'));
  try {
    const model = smallModel();
    const target = join(dir, 'saved');
    const result = await model.save(`file://${target}`);
    assert.equal(result.modelArtifactsInfo.weightDataBytes, (3 * 4 + 4 + 4 * 2 + 2) * 4);
    const json = JSON.parse(readFileSync(join(target, 'model.json'), 'utf8'));
    assert.deepEqual(Object.keys(json).sort(), ['convertedBy', 'format', 'generatedBy', 'modelTopology', 'weightsManifest']);
    assert.equal(json.format, 'layers-model');
    assert.equal(json.weightsManifest.length, 1);
    assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
    assert.deepEqual(json.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape), [[3, 4], [4], [4, 2], [2]]);
    assert.equal(statSync(join(target, 'weights.bin')).size, result.modelArtifactsInfo.weightDataBytes);

    const loaded = await tf.loadLayersModel(`file://${join(target, 'model.json')}`);
    const x = tf.tensor2d([[1, -2, 3], [0.5, 0.25, -1]]);
    assert.deepEqual(await (loaded.predict(x) as Tensor).array(), await (model.predict(x) as Tensor).array());
    for (let i = 0; i < model.getWeights().length; i++) {
      assert.deepEqual(loaded.getWeights()[i].dataSync(), model.getWeights()[i].dataSync());
    }
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving onto a file or loading a missing or broken model.json fails with InvalidArgumentError naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-io-'));
  try {
    const model = smallModel();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(model.save(`file://${file}`), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(file));
    await assert.rejects(tf.loadLayersModel(`file://${join(dir, 'none', 'model.json')}`), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes('model.json'));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    await assert.rejects(tf.loadLayersModel(`file://${broken}`), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes('valid JSON'));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
