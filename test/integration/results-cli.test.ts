/**
 * npm run results: every block of docs/results.md made from the data and written between its
 * markers in a copy of the file, everything else in the file untouched; the committed blocks
 * are the ones the script makes (so no figure there is typed by hand or left stale).
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { blockOf, endMarker, RESULT_BLOCKS, startMarker } from '../../lab/results/blocks.js';
import { REPO, runScript, tempDir } from '../helpers/media.js';

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work?.cleanup();
});

it('writes every block between its markers, and the committed ones are what it writes', async () => {
  const copy = path.join(work.dir, 'results.md');
  await copyFile(path.join(REPO, 'docs', 'results.md'), copy);
  const committed = await readFile(copy, 'utf8');
  // Emptied, so the test sees the script write them.
  let emptied = committed;
  for (const name of RESULT_BLOCKS) emptied = emptied.replace(blockOf(committed, name), `${startMarker(name)}\n${endMarker(name)}`);
  await writeFile(copy, emptied);
  const r = await runScript('scripts/results.ts', [], { RESULTS_FILE: copy });
  expect(r.code, r.stderr).toBe(0);
  const made = await readFile(copy, 'utf8');
  const block = Object.fromEntries(RESULT_BLOCKS.map((name) => [name, blockOf(made, name)]));

  // The goal's table: each held-out family, the gap closed, the verdict.
  for (const family of ['norway-test', 'fcc', 'sabre-3g', 'sabre-4g']) expect(block['held-out']).toMatch(new RegExp(`\\| ${family} \\| \\d+ \\| [\\d.]+ \\|`));
  expect(block['held-out']).toMatch(/The goal is 50% of the gap closed on every family: (reached|not reached)/);
  // Ours chosen on each family's training traces, never its test traces.
  for (const family of ['norway-test', 'fcc', 'sabre-3g', 'sabre-4g']) expect(block['held-out']).toMatch(new RegExp(`- ${family}: .*; ours chosen on .* by two-fold cross-validation \\(learned [\\d.]+, dashlab with its error cap chosen on each half [\\d.]+; the cap chosen on all of them: (none|[\\d.]+)\\)\\.`));
  // Live: each rule made for live on Norway's and the FCC's held-out traces, latency included.
  for (const family of ['norway-test', 'fcc']) for (const rule of ['\\*\\*dashlab-live\\*\\*', 'l2a', 'lolp']) expect(block.live).toMatch(new RegExp(`\\| ${family} \\| \\d+ \\| ${rule} \\| \\d+ ± \\d+ \\| \\d+ \\| [\\d.]+ \\| 1\\.\\d\\d \\|`));
  expect(block.live).toMatch(/- norway-test: dashlab-live (first|not first); − L2A per trace [+-]\d+ ± \d+/);
  // Recorded Chromium runs: every player of the run, dated.
  expect(block['browser-live']).toMatch(/Recorded \d{4}-\d\d-\d\d in `docs\/data\/browser-live.json`/);
  for (const player of ['dashjs:l2a', 'dashjs:lolp', 'dashlab:lolp']) expect(block['browser-live']).toContain(`| ${player}`);
  expect(block.browser).toMatch(/Recorded \d{4}-\d\d-\d\d in `docs\/data\/browser-vod.json`/);
  expect(block.browser).toMatch(/\d+ of \d+ sessions measured within their simulated range/);
  // SSIM: both optima and the player planning on SSIM, test and training.
  expect(block.ssim).toMatch(/\| \*\*dashlab-ssim \(ours, plans on SSIM\)\*\* \| [\d.]+ \([\d.]+\) \|/);
  expect(block.ssim).toMatch(/offline-optimal-ssim \(knows the trace\) \| [\d.]+ \([\d.]+\)/);
  // Pensieve's video on norway-test: every VOD player in both models, the ratios, the split, by kind of network.
  for (const algo of ['\\*\\*learned \\(ours\\)\\*\\*', '\\*\\*dashlab \\(ours\\)\\*\\*', 'robust-mpc', 'bola-e', 'throughput-abandon']) expect(block.norway).toMatch(new RegExp(`\\| ${algo} \\| [\\d.]+ ± [\\d.]+ \\|`));
  expect(block.norway).toMatch(/Ratios: `learned` \d\.\d{3}x robust-MPC/);
  expect(block.norway).toMatch(/learned beats robust-mpc on \d+ traces and loses on \d+/);
  expect(block.norway).toMatch(/\| norway_tram \| 56 \|/);
  // The ceiling: the oracles' rows, the hindsight selector, the predictability table.
  expect(block.ceiling).toMatch(/\| MPC told every download of the next 5 segments \(abandonment on \/ off\) \| .* \| [\d.]+ \/ [\d.]+ \|/);
  expect(block.ceiling).toMatch(/\| best past-only player per trace \| which of the \d+ registered VOD players/);
  expect(block.ceiling).toMatch(/\| the next 8 s \| last 0\.5 s \| 0\.\d{3} \|/);

  // Outside the markers nothing changed; inside, the committed figures are the ones computed now.
  let outside = made;
  for (const name of RESULT_BLOCKS) outside = outside.replace(block[name], '');
  let committedOutside = committed;
  for (const name of RESULT_BLOCKS) committedOutside = committedOutside.replace(blockOf(committed, name), '');
  expect(outside).toBe(committedOutside);
  for (const name of RESULT_BLOCKS) expect(block[name], name).toBe(blockOf(committed, name));
}, 600_000);
