// Compiles every WebAssembly kernel module in assembly/ (one entry file per
// module, *.ts directly in assembly/) into build/<name>.wasm with SIMD enabled.
// All modules import one shared memory (env.memory), so they must not carry
// data segments of their own: they would overlap. The build fails if one does.
// Modules listed in RELAXED_VARIANTS are compiled a second time with relaxed SIMD into
// build/<name>-relaxed.wasm (chosen at run time when the engine validates it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'assembly');
const outDir = join(root, 'build');
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
mkdirSync(outDir, { recursive: true });

const RELAXED_VARIANTS = ['gemm'];

const entries = readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const builds = entries.flatMap((file) => {
  const name = file.slice(0, -3);
  const plain = { file, name, features: ['simd'] };
  return RELAXED_VARIANTS.includes(name) ? [plain, { file, name: `${name}-relaxed`, features: ['simd', 'relaxed-simd'] }] : [plain];
});
for (const { file, name, features } of builds) {
  const input = join(srcDir, file);
  const wasm = join(outDir, `${name}.wasm`);
  const wat = join(outDir, `${name}.wat`);
  const upToDate = (() => {
    try {
      const out = statSync(wasm).mtimeMs;
      return readdirSync(srcDir, { recursive: true })
        .filter((f) => String(f).endsWith('.ts'))
        .every((f) => statSync(join(srcDir, String(f))).mtimeMs < out);
    } catch {
      return false;
    }
  })();
  if (upToDate && !process.argv.includes('--force')) continue;
  execFileSync(process.execPath, [asc, input,
    '-O3', '--runtime', 'stub', '--noAssert', '--enable', features.join(','),
    '--importMemory', '--zeroFilledMemory', '--initialMemory', '1',
    '--outFile', wasm, '--textFile', wat], { stdio: 'inherit' });
  if (/\(data\b/.test(readFileSync(wat, 'utf8'))) {
    throw new Error(`assembly/${file} emits static data; kernels share one memory and must not (avoid string literals and static arrays)`);
  }
  console.log(`built build/${name}.wasm`);
}
