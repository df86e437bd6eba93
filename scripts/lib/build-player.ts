/**
 * Browser bundles with esbuild, into dist/player/ (served at /assets/):
 *  - dashlab-player.js: the embeddable player (engine + ABR), its own bundle;
 *  - watch.js: the watch page (UI, charts); it imports the player bundle and loads dash.js
 *    or hls.js only when they are chosen (separate chunks);
 *  - report.js: the comparison report's script, one file with uPlot inside (it is inlined
 *    into self-contained HTML reports).
 * Writes sizes.json with raw and gzip sizes of each. The player's own size is what a page
 * playing video on demand loads: dashlab-player.js and the chunks it imports statically (the
 * live session, the live rules, CMCD, steering and mp4box.js are chunks loaded when needed).
 */
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../server/config.js';

export const ASSETS_DIR = path.join(REPO_ROOT, 'dist', 'player');

export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** The embeddable player as a VOD page loads it: its entry and the chunks that entry imports statically. */
export const PLAYER_STATIC_FILE = 'player-static.json';

export async function buildPlayer(): Promise<BundleSize[]> {
  await rm(ASSETS_DIR, { recursive: true, force: true });
  await mkdir(ASSETS_DIR, { recursive: true });
  const common = { bundle: true, format: 'esm' as const, minify: true, target: 'es2020', sourcemap: true, logLevel: 'error' as const, legalComments: 'none' as const };
  const player = await build({
    ...common,
    entryPoints: { 'dashlab-player': path.join(REPO_ROOT, 'player/index.ts') },
    outdir: ASSETS_DIR,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
  });
  const staticFiles = staticClosure(player.metafile.outputs, path.join(ASSETS_DIR, 'dashlab-player.js'));
  await build({
    ...common,
    entryPoints: { watch: path.join(REPO_ROOT, 'player/ui/watch.ts'), compare: path.join(REPO_ROOT, 'player/ui/compare.ts'), cdn: path.join(REPO_ROOT, 'player/ui/cdn.ts') },
    outdir: ASSETS_DIR,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // The page uses the embeddable bundle as is, at runtime.
    external: ['./dashlab-player.js'],
    alias: { '#player': './dashlab-player.js' },
  });
  await build({ ...common, format: 'iife', sourcemap: false, entryPoints: { report: path.join(REPO_ROOT, 'lab/report/report-script.ts') }, outdir: ASSETS_DIR });
  await copyFile(path.join(REPO_ROOT, 'node_modules/uplot/dist/uPlot.min.css'), path.join(ASSETS_DIR, 'uPlot.min.css'));
  const sizes: BundleSize[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.name.endsWith('.js')) {
        const b = await readFile(full);
        sizes.push({ file: path.relative(ASSETS_DIR, full), bytes: b.length, gzipBytes: gzipSync(b, { level: 9 }).length });
      }
    }
  };
  await walk(ASSETS_DIR);
  await writeFile(path.join(ASSETS_DIR, 'sizes.json'), JSON.stringify(sizes, null, 2));
  const parts = sizes.filter((x) => staticFiles.has(path.join(ASSETS_DIR, x.file)));
  const inputs = [...staticFiles].flatMap((f) => Object.keys(player.metafile.outputs[path.relative(process.cwd(), f)]?.inputs ?? {})).sort();
  const total = { files: parts.map((x) => x.file), inputs, bytes: parts.reduce((a, x) => a + x.bytes, 0), gzipBytes: parts.reduce((a, x) => a + x.gzipBytes, 0) };
  await writeFile(path.join(ASSETS_DIR, PLAYER_STATIC_FILE), JSON.stringify(total, null, 2));
  return sizes;
}

/** The output files `entry` loads before it runs: itself and its static imports, transitively (esbuild's metafile names them relative to the working directory). */
function staticClosure(outputs: Record<string, { imports: Array<{ path: string; kind: string }>; inputs: Record<string, unknown> }>, entry: string): Set<string> {
  const abs = (p: string) => path.resolve(p);
  const byAbs = new Map(Object.entries(outputs).map(([k, v]) => [abs(k), v]));
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of byAbs.get(file)?.imports ?? []) if (i.kind === 'import-statement') visit(abs(i.path));
  };
  visit(abs(entry));
  return seen;
}

/** The report page's assets, building the bundles first when they are missing (a fresh clone). */
export async function ensureReportAssets(): Promise<import('../../lab/report/report-page.js').ReportAssets> {
  const { loadReportAssets } = await import('../../lab/report/report-page.js');
  try {
    return await loadReportAssets();
  } catch {
    process.stderr.write('building the player bundles (once)...\n');
    await buildPlayer();
    return loadReportAssets();
  }
}
