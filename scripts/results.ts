/**
 * npm run results
 *
 * Every table and figure of docs/results.md, made from the data and written between the
 * file's `results:<block>` markers (lab/results/blocks.ts), so none is typed by hand:
 * - held-out: the goal's table, the gap closed per held-out family (lab/results/held-out.ts);
 * - live: the live model on the held-out Norway and FCC traces (lab/results/live.ts);
 * - browser-live, browser: the recorded Chromium runs under docs/data/ (lab/results/browser.ts);
 * - ssim: QoE on SSIM on the one video with measured SSIM (lab/results/ssim.ts);
 * - norway: Pensieve's video on norway-test, every VOD player in both models (lab/results/norway.ts);
 * - ceiling: how far the 1.10x goal is, what players told the future reach (lab/results/ceiling.ts).
 * About three minutes on two cores. RESULTS_FILE: write another copy (the test does).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { replaceBlock, type ResultBlock } from '../lab/results/blocks.js';
import { browserLiveTable, browserVodTable } from '../lab/results/browser.js';
import { ceilingTable } from '../lab/results/ceiling.js';
import { heldOutFamilies, heldOutTable } from '../lab/results/held-out.js';
import { liveTable } from '../lab/results/live.js';
import { norwayTables } from '../lab/results/norway.js';
import { ssimTable } from '../lab/results/ssim.js';
import { REPO_ROOT } from '../server/config.js';
import { fail } from './lib/cli.js';

const RESULTS = process.env.RESULTS_FILE ?? path.join(REPO_ROOT, 'docs', 'results.md');

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`results: ${line}\n`);
  const t0 = performance.now();
  const fams = await heldOutFamilies();
  const blocks: Array<[ResultBlock, string[]]> = [
    ['held-out', await heldOutTable(fams, log)],
    ['live', await liveTable(log)],
    ['browser-live', await browserLiveTable()],
    ['ssim', await ssimTable(log)],
    ['norway', await norwayTables(log)],
    ['ceiling', await ceilingTable(log)],
    ['browser', await browserVodTable()],
  ];
  let doc = await readFile(RESULTS, 'utf8');
  for (const [name, lines] of blocks) doc = replaceBlock(doc, name, lines);
  await writeFile(RESULTS, doc);
  log(`wrote ${blocks.length} blocks (${blocks.map(([n]) => n).join(', ')}) into ${path.relative(REPO_ROOT, RESULTS)} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err) => fail('results', err));
