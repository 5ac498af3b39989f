// A workload module: your model and your data, run by `lion-cub train` with its checkpoints, exact resume,
// metrics and report, like the built-in workloads.
//
//   npx lion-cub train --workload ./my-workload.mjs --workload-options '{"dataFile":"data.csv"}' \
//     --nproc 2 --steps 40 --checkpoint-every 10 --out run
//   (the same command with --resume and a larger --steps continues the run in run/)
//
// lion-cub train records this file's path and sha256 in run/config.json: workers or a resume that load a
// different version of it stop with an error naming the file.

import { readFileSync } from 'node:fs';
import { fromLayersModel, tf } from 'lion-cub/tfjs';
import { arrayDataset, classifierWorkload, withSeed } from 'lion-cub/workloads';

/** A CSV of numeric features with an integer class label last, as the arrays arrayDataset takes. */
function readCsv(path) {
  const rows = readFileSync(path, 'utf8').trim().split('\n').map((line) => line.split(',').map(Number));
  const inputSize = rows[0].length - 1;
  return {
    inputs: Float32Array.from(rows.flatMap((row) => row.slice(0, inputSize))),
    labels: Int32Array.from(rows.map((row) => row[inputSize])),
    numExamples: rows.length,
    inputSize,
    numClasses: Math.max(...rows.map((row) => row[inputSize])) + 1,
  };
}

/** Every 5th example is held out for evaluation. */
function split(data, keep) {
  const picked = [...Array(data.numExamples).keys()].filter((i) => keep(i % 5 === 4));
  return {
    inputs: Float32Array.from(picked.flatMap((i) => [...data.inputs.subarray(i * data.inputSize, (i + 1) * data.inputSize)])),
    labels: Int32Array.from(picked.map((i) => data.labels[i])),
    numExamples: picked.length,
    inputSize: data.inputSize,
  };
}

// `options` is --workload-options plus `seed` (from --seed): the same on every worker.
export default classifierWorkload({
  name: 'my-csv-classifier',
  createModel(options) {
    const { inputSize, numClasses } = readCsv(options.dataFile);
    // The model returns logits; the loss is softmax cross-entropy. withSeed makes the initial weights follow --seed.
    return fromLayersModel(withSeed(options.seed, () => tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [inputSize], units: options.hiddenUnits ?? 32, activation: 'relu' }),
        tf.layers.dense({ units: numClasses }),
      ],
    })));
  },
  loadData(options) {
    const data = readCsv(options.dataFile);
    return {
      train: arrayDataset('csv/train', split(data, (heldOut) => !heldOut)),
      test: arrayDataset('csv/test', split(data, (heldOut) => heldOut)),
      description: `${options.dataFile}: ${data.numExamples} examples, every 5th held out for evaluation`,
    };
  },
});
