/**
 * npm run abr:policy -- --video ID|info.json [--train DIR|FILE|NAME] [--out FILE]
 * Learn the `learned` ABR's policy for one video (player/sim/stochastic-dp.ts) and write it
 * as abr-policy.json: beside a bundled video's or an info.json file's (X.info.json ->
 * X.abr-policy.json, info.json -> abr-policy.json), or to --out. The packager runs this
 * itself for every video it packages (with --sim -, the video's sizes on stdin).
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUFFER_DEFAULTS } from '../player/engine/schedule.js';
import type { SimVideo } from '../player/sim/dashlab-model.js';
import { trainStochasticDp } from '../player/sim/stochastic-dp.js';
import { loadConfig, REPO_ROOT } from '../server/config.js';
import { infoPathFor, loadTraces, loadVideo, policyPathFor, UsageError } from '../server/reports/inputs.js';
import { ProgressBar } from './lib/progress-bar.js';

const USAGE = `usage: npm run abr:policy -- --video ID|info.json [--train DIR|FILE|NAME] [--out FILE]

  --video  a bundled video's name (pensieve-envivio) or an info.json file; library videos
           get theirs when they are packaged (package again to renew it)
  --train  the traces it learns from (default norway-train: Pensieve's 68 Norway training traces)
  --out    where to write (default: beside the info.json)`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string' }, sim: { type: 'string' }, train: { type: 'string', default: 'norway-train' }, out: { type: 'string' }, quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) return void console.log(USAGE);
  let video: SimVideo;
  let out = values.out;
  if (values.sim === '-') {
    if (!out) throw new UsageError('--sim - needs --out');
    video = JSON.parse(await readStdin()) as SimVideo;
  } else {
    if (!values.video) throw new UsageError(`--video is required\n${USAGE}`);
    const info = await infoPathFor(values.video);
    if (!out && info.startsWith(path.resolve(loadConfig().mediaDir) + path.sep)) throw new UsageError(`--video ${values.video}: a library video's policy is written when it is packaged (package it again to renew it), or give --out`);
    video = (await loadVideo(values.video)).sim;
    out ??= policyPathFor(info);
  }
  const traces = (await loadTraces(values.train!)).map((t) => t.trace);
  const bar = values.quiet ? undefined : new ProgressBar();
  const t0 = performance.now();
  const model = trainStochasticDp({ traces, video, buffer: BUFFER_DEFAULTS, trainingName: values.train, onProgress: (d, n) => bar?.update({ label: 'learn', percent: (d / n) * 100 }) });
  bar?.done();
  // Whole or not at all: a reader never sees half a policy.
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(model.policy) + '\n');
  await rename(tmp, out);
  if (!values.quiet) console.log(`wrote ${path.relative(REPO_ROOT, out) || out}: ${model.samples} samples from ${traces.length} traces (${values.train}), ${model.policy.choices.length} choices, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  process.stderr.write(`dashlab abr:policy: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
