/**
 * Browser bundles with esbuild, into dist/player/ (served at /assets/):
 *  - dashlab-player.js: the embeddable player (engine + ABR), its own bundle;
 *  - watch.js: the watch page (UI, charts); it imports the player bundle and loads dash.js
 *    or hls.js only when they are chosen (separate chunks);
 *  - report.js: the comparison report's script, one file with uPlot inside (it is inlined
 *    into self-contained HTML reports).
 * Writes sizes.json with raw and gzip sizes of each.
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

export async function buildPlayer(): Promise<BundleSize[]> {
  await rm(ASSETS_DIR, { recursive: true, force: true });
  await mkdir(ASSETS_DIR, { recursive: true });
  const common = { bundle: true, format: 'esm' as const, minify: true, target: 'es2020', sourcemap: true, logLevel: 'error' as const, legalComments: 'none' as const };
  await build({
    ...common,
    entryPoints: { 'dashlab-player': path.join(REPO_ROOT, 'player/index.ts') },
    outdir: ASSETS_DIR,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
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
  return sizes;
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
