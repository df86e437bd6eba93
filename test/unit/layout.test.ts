/**
 * The layout (docs/architecture.md): no import circle, no import from a lower floor to a
 * higher one, the ground floor pure, and no library starting a command-line script.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { circles, importGraph, readFloors, unitOf, type ImportGraph } from '../layout/import-graph.js';
import { REPO } from '../helpers/media.js';

const floors = readFloors(readFileSync(path.join(REPO, 'docs/architecture.md'), 'utf8'));
const SOURCE_FOLDERS = ['core', 'player', 'lab', 'server', 'scripts'];

/** Imports that go where their floor may not. */
function upward(g: ImportGraph): string[] {
  const out: string[] = [];
  for (const e of g.edges) {
    const from = unitOf(e.from, floors)!;
    const to = unitOf(e.to, floors)!;
    if (from !== to && !floors.get(from)!.includes(to)) out.push(`${e.from} (${from}) imports ${e.to} (${to})`);
  }
  return out;
}

describe('the layout of docs/architecture.md', () => {
  const graph = importGraph(REPO, SOURCE_FOLDERS);

  it('names a floor for every source folder, and every folder a floor may import is a floor', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.files.filter((f) => !unitOf(f, floors))).toEqual([]);
    for (const allowed of floors.values()) for (const unit of allowed) expect(floors.has(unit), unit).toBe(true);
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('has no import from a floor to one it may not use (nothing imports upward)', () => {
    expect(upward(graph)).toEqual([]);
  });

  it('keeps the ground floor pure: core/ imports no Node module and no package (it runs in the browser and the simulator alike)', () => {
    expect(graph.external.filter((x) => x.from.startsWith('core/')).map((x) => `${x.from}: ${x.spec}`)).toEqual([]);
  });

  it('has no library that starts a command-line script (scripts/ is the top floor: entry points only)', () => {
    // A path to a script, whole ('scripts/x.ts') or in parts (path.join(root, 'scripts', 'x.ts')).
    const namesAScript = /['"`]([^'"`\n]*\/)?scripts(\/[\w/-]+\.ts)?['"`]/;
    const offenders = graph.files.filter((f) => !f.startsWith('scripts/') && namesAScript.test(readFileSync(path.join(REPO, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('the layout checks themselves', () => {
  it('find a circle and an upward import in a tree that has them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'layout-'));
    try {
      mkdirSync(path.join(dir, 'core'));
      mkdirSync(path.join(dir, 'server'));
      writeFileSync(path.join(dir, 'core/a.ts'), "import { b } from './b.js';\nexport const a = 1;\n");
      writeFileSync(path.join(dir, 'core/b.ts'), "import { a } from './a.js';\nimport type { S } from '../server/s.js';\nexport const b = 2;\n");
      writeFileSync(path.join(dir, 'server/s.ts'), 'export type S = number;\n');
      const g = importGraph(dir, ['core', 'server']);
      expect(circles(g)).toEqual([['core/a.ts', 'core/b.ts']]);
      expect(upward(g)).toEqual(['core/b.ts (core) imports server/s.ts (server)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
