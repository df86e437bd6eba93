/**
 * The policy learner as a process of its own (lab/learning/policy-files.ts starts it): the
 * training is seconds of synchronous CPU, and a server packaging in-process must keep
 * answering while it runs. Reads `{ video, train, out }` as JSON on stdin, writes the policy
 * to `out` whole or not at all, and exits non-zero with the reason on stderr.
 */
import { BUFFER_DEFAULTS } from '../../core/buffer-policy.js';
import type { SimVideo } from '../models/player-model.js';
import { loadTraces } from '../inputs.js';
import { trainStochasticDp } from './stochastic-dp.js';
import { writePolicyFile } from './policy-file.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

try {
  const job = JSON.parse(await readStdin()) as { video: SimVideo; train: string; out: string };
  const traces = (await loadTraces(job.train)).map((t) => t.trace);
  const model = trainStochasticDp({ traces, video: job.video, buffer: BUFFER_DEFAULTS, trainingName: job.train });
  await writePolicyFile(job.out, model.policy);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
