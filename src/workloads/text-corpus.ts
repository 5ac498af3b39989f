// The character corpus of char-gpt: Node.js's own API documentation, a fixed 97-symbol vocabulary, and LM windows.
//
// Default source: the Markdown files of Node's API reference that the Debian
// `nodejs` package installs in /usr/share/doc/nodejs/api/ (about 3.5 MB of English
// prose and code samples for Node 20), concatenated in file-name order. Any text
// file, or folder of .md/.txt files, can be passed instead with `corpusPath`.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../tfjs/tf.js';
import type { Batch, Dataset } from './workload.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';

export const NODE_API_DOCS_DIR = '/usr/share/doc/nodejs/api';

/**
 * Vocabulary: 0 = newline, 1..95 = printable ASCII 32..126, 96 = any other character.
 * Fixed (not derived from the text) so the model's shape never depends on the corpus.
 */
export const VOCAB_SIZE = 97;
const OTHER_TOKEN = 96;

export function encodeChar(code: number): number {
  if (code === 10) return 0;
  if (code >= 32 && code <= 126) return code - 31;
  return OTHER_TOKEN;
}

/** Tokens of `text` (one per UTF-16 code unit). */
export function encodeText(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = encodeChar(text.charCodeAt(i));
  return out;
}

/** Text of `tokens`; the catch-all token decodes as U+FFFD. */
export function decodeTokens(tokens: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    s += t === 0 ? '\n' : t === OTHER_TOKEN ? '\ufffd' : String.fromCharCode(t + 31);
  }
  return s;
}

export interface CorpusText {
  text: string;
  /** The file or folder read. */
  source: string;
  /** Number of files concatenated. */
  numFiles: number;
}

/**
 * Reads `corpusPath` (a file, or a folder whose .md/.txt files are joined in name order)
 * or, by default, Node's API docs. Throws LionCubError `corpus_missing` when nothing is there.
 */
export function readCorpus(corpusPath?: string): CorpusText {
  const source = corpusPath ?? NODE_API_DOCS_DIR;
  if (!existsSync(source)) {
    throw new LionCubError('corpus_missing', corpusPath
      ? `corpusPath ${source} does not exist`
      : `the default char-gpt corpus (${NODE_API_DOCS_DIR}, Node's API docs from the Debian nodejs package) is not installed: pass corpusPath, a text file or a folder of .md/.txt files`);
  }
  if (statSync(source).isFile()) return { text: readFileSync(source, 'utf8'), source, numFiles: 1 };
  const files = readdirSync(source).filter((f) => /\.(md|txt)$/i.test(f)).sort();
  if (files.length === 0) throw new LionCubError('corpus_missing', `no .md or .txt files in ${source}`);
  return { text: files.map((f) => readFileSync(join(source, f), 'utf8')).join('\n'), source, numFiles: files.length };
}

/**
 * Language-model examples over a token array: example i is the window
 * tokens[i·T, i·T + T] (T + 1 tokens, non-overlapping starts); x = its first T tokens,
 * y = its last T (the next character at every position). Batches are int32 [b, T].
 */
export function windowDataset(name: string, tokens: Uint8Array, contextLength: number): Dataset {
  const numExamples = Math.floor((tokens.length - 1) / contextLength);
  if (numExamples < 1) throw new InvalidArgumentError(`${name} text length`, tokens.length, `more than contextLength (${contextLength}) characters`);
  return {
    name,
    numExamples,
    batch(indices: ArrayLike<number>): Batch {
      const b = indices.length;
      const x = new Int32Array(b * contextLength);
      const y = new Int32Array(b * contextLength);
      for (let i = 0; i < b; i++) {
        const idx = indices[i];
        if (!Number.isInteger(idx) || idx < 0 || idx >= numExamples) {
          throw new InvalidArgumentError(`${name} index`, idx, `an integer in [0, ${numExamples})`);
        }
        const start = idx * contextLength;
        for (let t = 0; t < contextLength; t++) {
          x[i * contextLength + t] = tokens[start + t];
          y[i * contextLength + t] = tokens[start + t + 1];
        }
      }
      return { x: tf.tensor2d(x, [b, contextLength], 'int32'), y: tf.tensor2d(y, [b, contextLength], 'int32') };
    },
  };
}
