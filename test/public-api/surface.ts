// Names each package entry point exports (types included), read with the TypeScript compiler from the entry files
// package.json's "exports" map to, and whether each root export carries a JSDoc comment.
//
//   node --import tsx test/public-api/surface.ts > test/public-api/surface.json    rewrites the snapshot

import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** package.json export → source entry file ("./dist/src/x/index.js" → "src/x/index.ts"). */
export function entryFiles(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | { default: string }> };
  const out: Record<string, string> = {};
  for (const [name, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    out[name] = target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
  }
  return out;
}

export interface Surface {
  /** Sorted export names per package entry. */
  exports: Record<string, string[]>;
  /** Exports of the root entry whose declaration has no JSDoc. */
  undocumented: string[];
}

export function readSurface(): Surface {
  const entries = entryFiles();
  const program = ts.createProgram(Object.values(entries).map((f) => root + f), {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: ['node'],
  });
  const checker = program.getTypeChecker();
  const exports: Record<string, string[]> = {};
  const undocumented: string[] = [];
  for (const [name, file] of Object.entries(entries)) {
    const source = program.getSourceFile(root + file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${name}: ${file} is not a module`);
    const symbols = checker.getExportsOfModule(moduleSymbol);
    exports[name] = symbols.map((s) => s.name).sort();
    if (name !== '.') continue;
    for (const s of symbols) {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      if (!ts.displayPartsToString(target.getDocumentationComment(checker)).trim()) undocumented.push(s.name);
    }
  }
  return { exports, undocumented: undocumented.sort() };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify(readSurface().exports, null, 2)}\n`);
