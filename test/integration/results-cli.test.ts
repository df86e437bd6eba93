/**
 * npm run results: the held-out families' table computed from the data and written between the
 * markers of a copy of docs/results.md, everything else in the file untouched; the figures it
 * writes agree with the docs (the committed table is the one the script makes).
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, runScript, tempDir } from '../helpers/media.js';

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work?.cleanup();
});

const between = (doc: string) => doc.slice(doc.indexOf('<!-- results:held-out:start'), doc.indexOf('<!-- results:held-out:end -->'));

it('writes the held-out and live tables between their markers, and the committed ones are what it writes', async () => {
  const copy = path.join(work.dir, 'results.md');
  await copyFile(path.join(REPO, 'docs', 'results.md'), copy);
  const committed = await readFile(copy, 'utf8');
  // Emptied, so the test sees the script write it.
  await writeFile(copy, committed.replace(between(committed), '<!-- results:held-out:start -->\n'));
  const r = await runScript('scripts/results.ts', [], { RESULTS_FILE: copy });
  expect(r.code, r.stderr).toBe(0);
  const made = await readFile(copy, 'utf8');
  const table = between(made);
  for (const family of ['norway-test', 'fcc', 'sabre-3g', 'sabre-4g']) expect(table).toMatch(new RegExp(`\\| ${family} \\| \\d+ \\| [\\d.]+ \\|`));
  expect(table).toMatch(/The goal is 50% of the gap closed on every family: (reached|not reached)/);
  // Outside the markers nothing changed; inside, the committed figures are the ones computed now.
  expect(made.replace(table, '')).toBe(committed.replace(between(committed), ''));
  expect(table).toBe(between(committed));
  // The live table: each rule made for live on both Norway's and the FCC's held-out traces, latency included.
  const live = made.slice(made.indexOf('<!-- results:live:start'), made.indexOf('<!-- results:live:end -->'));
  for (const family of ['norway-test', 'fcc']) for (const rule of ['\\*\\*dashlab-live\\*\\*', 'l2a', 'lolp']) expect(live).toMatch(new RegExp(`\\| ${family} \\| \\d+ \\| ${rule} \\| \\d+ ± \\d+ \\| \\d+ \\| [\\d.]+ \\| 1\\.\\d\\d \\|`));
  expect(live).toMatch(/- norway-test: dashlab-live − L2A per trace [+-]\d+ ± \d+/);
  expect(live).toBe(committed.slice(committed.indexOf('<!-- results:live:start'), committed.indexOf('<!-- results:live:end -->')));
  // Pensieve's video on norway-test: every VOD player in both models, the ratios, by kind of network.
  const norway = made.slice(made.indexOf('<!-- results:norway:start'), made.indexOf('<!-- results:norway:end -->'));
  for (const algo of ['\\*\\*learned \\(ours\\)\\*\\*', '\\*\\*dashlab \\(ours\\)\\*\\*', 'robust-mpc', 'bola-e', 'throughput-abandon']) expect(norway).toMatch(new RegExp(`\\| ${algo} \\| [\\d.]+ ± [\\d.]+ \\|`));
  expect(norway).toMatch(/Ratios: `learned` \d\.\d{3}x robust-MPC/);
  expect(norway).toMatch(/\| norway_tram \| 56 \|/);
  expect(norway).toBe(committed.slice(committed.indexOf('<!-- results:norway:start'), committed.indexOf('<!-- results:norway:end -->')));
}, 400_000);
