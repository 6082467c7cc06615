/**
 * The import graph of src/: every relative `import`, `export … from` and `import()` of every .ts file
 * (type-only ones too: a cycle of types is still a cycle of files), read with the TypeScript compiler's
 * own pre-parser so comments and strings are not mistaken for imports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface ImportGraph {
  /** Repository-relative path (`src/invoice/engine.ts`) → the specifiers it imports, as written. */
  readonly specifiers: ReadonlyMap<string, readonly string[]>;
  /** Repository-relative path → the src files it imports (relative specifiers resolved). */
  readonly edges: ReadonlyMap<string, readonly string[]>;
}

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
  );
}

export function importGraph(root = 'src'): ImportGraph {
  const specifiers = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  for (const file of tsFiles(root)) {
    const info = ts.preProcessFile(readFileSync(path.join(REPO, file), 'utf8'), true, true);
    const specs = info.importedFiles.map((f) => f.fileName);
    specifiers.set(file, specs);
    edges.set(
      file,
      specs
        .filter((s) => s.startsWith('.'))
        .map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, '.ts')),
    );
  }
  return { specifiers, edges };
}

/** Every import cycle, each as the files of one strongly connected component (Tarjan), sorted. */
export function importCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
