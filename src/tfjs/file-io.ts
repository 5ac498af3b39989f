// A `file://` save and load handler for tf.LayersModel, so model.save / tf.loadLayersModel work without tfjs-node.
//
// The files are the ones tfjs-node's handler writes: <dir>/model.json (topology, training config, weights
// manifest pointing at ./weights.bin) and <dir>/weights.bin (every weight's bytes, in manifest order). Models
// saved by either can be loaded by either. Registered as a side effect of importing lion-cub/tfjs.

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { tf } from './tf.js';

type IOHandler = ReturnType<typeof tf.io.getSaveHandlers>[number];
type ModelArtifacts = Parameters<NonNullable<IOHandler['save']>>[0];
type ModelJSON = Parameters<typeof tf.io.getModelArtifactsForJSON>[0];
type WeightsManifestConfig = ModelJSON['weightsManifest'];
type SaveResult = Awaited<ReturnType<NonNullable<IOHandler['save']>>>;

export const FILE_SCHEME = 'file://';
export const MODEL_JSON_FILENAME = 'model.json';
export const WEIGHTS_BINARY_FILENAME = 'weights.bin';

/** The local path of a `file://` URL (file:///abs, file://relative or a plain path). */
export function pathOfFileUrl(url: string): string {
  if (url.startsWith('file:///')) return fileURLToPath(url);
  return resolve(url.startsWith(FILE_SCHEME) ? url.slice(FILE_SCHEME.length) : url);
}

/**
 * A handler that saves into directory `dir` (created when missing) and loads `dir/model.json`, or loads the
 * model.json file `path` names. Throws InvalidArgumentError when saving onto an existing file.
 */
export function fileSystemHandler(path: string): IOHandler {
  const target = pathOfFileUrl(path);
  return {
    save: (artifacts: ModelArtifacts) => saveArtifacts(target, artifacts),
    load: () => loadArtifacts(target),
  };
}

async function saveArtifacts(dir: string, artifacts: ModelArtifacts): Promise<SaveResult> {
  const existing = await stat(dir).catch(() => null);
  if (existing !== null && !existing.isDirectory()) {
    throw new InvalidArgumentError('file:// save path', dir, 'a directory (or a path that does not exist yet) to write model.json and weights.bin into');
  }
  await mkdir(dir, { recursive: true });
  const weightsManifest: WeightsManifestConfig = [{ paths: [`./${WEIGHTS_BINARY_FILENAME}`], weights: artifacts.weightSpecs ?? [] }];
  const modelJSON: ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest,
  };
  if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) modelJSON.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) modelJSON.initializerSignature = artifacts.initializerSignature;
  const weights = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  await writeFile(join(dir, WEIGHTS_BINARY_FILENAME), new Uint8Array(weights));
  await writeFile(join(dir, MODEL_JSON_FILENAME), JSON.stringify(modelJSON), 'utf8');
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

async function loadArtifacts(path: string): Promise<ModelArtifacts> {
  const info = await stat(path).catch(() => null);
  const jsonPath = info?.isDirectory() ? join(path, MODEL_JSON_FILENAME) : path;
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError('file:// model path', jsonPath, `a readable model.json (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let modelJSON: ModelJSON;
  try {
    modelJSON = JSON.parse(text) as ModelJSON;
  } catch (error) {
    throw new InvalidArgumentError('file:// model path', jsonPath, `a model.json holding valid JSON (${(error as Error).message})`);
  }
  if (modelJSON === null || typeof modelJSON !== 'object' || modelJSON.modelTopology == null) {
    throw new InvalidArgumentError('file:// model path', jsonPath, 'a model.json with a modelTopology, as model.save writes it');
  }
  const base = dirname(jsonPath);
  return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const file of group.paths) {
        const bytes = await readFile(join(base, file)).catch((error: NodeJS.ErrnoException) => {
          throw new InvalidArgumentError('file:// weights file', join(base, file), `a readable weights file named in ${jsonPath} (${error.code ?? error.message})`);
        });
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });
}

/** Routes `file://…` URLs of model.save and tf.loadLayersModel to fileSystemHandler. */
function fileRouter(url: string | string[]): IOHandler {
  // tfjs's routers answer null for URLs they do not handle (its IORouter type omits that).
  if (Array.isArray(url) || typeof url !== 'string' || !url.startsWith(FILE_SCHEME)) return null as unknown as IOHandler;
  return fileSystemHandler(url);
}

let registered = false;

/** Registers the `file://` router with tf.io once (importing lion-cub/tfjs does this). */
export function registerFileSystemRouter(): void {
  if (registered) return;
  registered = true;
  // tfjs-node registers the same scheme; when it is loaded too, its handler is listed first and wins.
  if (tf.io.getSaveHandlers(`${FILE_SCHEME}probe`).length > 0) return;
  tf.io.registerSaveRouter(fileRouter);
  tf.io.registerLoadRouter(fileRouter);
}
