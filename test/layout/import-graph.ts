/**
 * The project's import graph, read from the TypeScript sources (static, type-only and dynamic
 * imports, re-exports): what the layout test checks against the floors of docs/architecture.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Edge {
  from: string;
  to: string;
}

export interface ImportGraph {
  files: string[];
  /** Imports of project files, by repository path. */
  edges: Edge[];
  /** Imports of anything else (node:*, npm packages), by file. */
  external: Array<{ from: string; spec: string }>;
}

function walk(dir: string, root: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, root, out);
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(path.relative(root, full).split(path.sep).join('/'));
  }
}

export function importGraph(root: string, folders: string[]): ImportGraph {
  const files: string[] = [];
  for (const f of folders) walk(path.join(root, f), root, files);
  const known = new Set(files);
  const edges: Edge[] = [];
  const external: ImportGraph['external'] = [];
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (!spec.startsWith('.')) {
        external.push({ from: file, spec });
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
      if (!known.has(target)) throw new Error(`${file} imports ${spec}, which is not a source file of the project`);
      edges.push({ from: file, to: target });
    }
  }
  return { files, edges, external };
}

/** Every import circle (Tarjan's strongly connected components of more than one file, or a file importing itself). */
export function circles(g: ImportGraph): string[][] {
  const next = new Map<string, string[]>(g.files.map((f) => [f, []]));
  for (const e of g.edges) next.get(e.from)!.push(e.to);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)!.includes(v)) out.push(scc.sort());
    }
  };
  for (const f of g.files) if (!idx.has(f)) visit(f);
  return out;
}

/** The floors: each folder and the folders it may import (the ```floors block of docs/architecture.md). */
export function readFloors(markdown: string): Map<string, string[]> {
  const block = /```floors\n([\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error('docs/architecture.md has no ```floors block');
  const floors = new Map<string, string[]>();
  for (const line of block[1].split('\n')) {
    const m = /^([\w/-]+):\s*(.*)$/.exec(line.trim());
    if (m) floors.set(m[1], m[2].split(/\s+/).filter(Boolean));
  }
  return floors;
}

/** The folder of the floors a file belongs to: the longest that holds it. */
export function unitOf(file: string, floors: Map<string, string[]>): string | undefined {
  let best: string | undefined;
  for (const unit of floors.keys()) if ((file.startsWith(`${unit}/`)) && (!best || unit.length > best.length)) best = unit;
  return best;
}
