/**
 * Sabre's model (lab/models/sabre-model.ts) against Sabre's own results, log by log
 * (test/fixtures/sabre-reference: Sabre run outside this repository), through the same path as
 * `npm run compare -- --model sabre`: its example, its 86 3G logs with bbb and its 40 4G logs with
 * bbb4k, for bola, bola-e, throughput and dynamic.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAlgos, runComparison } from '../../lab/compare/compare.js';
import { loadTraces, loadVideo } from '../../lab/inputs.js';
import { REPO } from '../helpers/media.js';

interface Reference {
  sets: Record<string, { movie: string; results: Array<{ trace: string; algo: string; score: number }> }>;
}

const SETS: Array<[set: string, traces: string, video: string]> = [
  ['example', 'sabre-example.json', 'sabre-example'],
  ['3Glogs', 'sabre-3g', 'sabre-bbb'],
  ['4Glogs', 'sabre-4g', 'sabre-bbb4k'],
];

describe("Sabre's model", () => {
  it('runs only Sabre\'s algorithms, by our names', () => {
    expect(resolveAlgos('all', 'sabre')).toEqual(['bola', 'bola-e', 'throughput', 'dynamic']);
    expect(() => resolveAlgos('robust-mpc', 'sabre')).toThrow(/Sabre's algorithms/);
  });

  for (const [set, traces, video] of SETS) {
    it(`scores every ${set} log within 2% of Sabre's own score, for each algorithm`, async () => {
      const ref = JSON.parse(await readFile(path.join(REPO, 'test/fixtures/sabre-reference/sabre-reference.json'), 'utf8')) as Reference;
      const want = new Map(ref.sets[set].results.map((r) => [`${r.trace} ${r.algo === 'bolae' ? 'bola-e' : r.algo}`, r.score]));
      const v = await loadVideo(video);
      const t = await loadTraces(traces);
      const result = await runComparison({ model: 'sabre', video: v, traces: t, algos: resolveAlgos('all', 'sabre') });
      expect(result.results).toHaveLength(want.size);
      const worst = new Map<string, number>();
      for (const r of result.results) {
        // Sabre's example network is network.json; shipped here as sabre-example.json.
        const name = set === 'example' ? 'network.json' : path.basename(t.find((x) => x.name === r.trace)!.file);
        const score = want.get(`${name} ${r.algo}`);
        expect(score, `${name} ${r.algo}`).toBeDefined();
        const err = Math.abs(r.qoe - score!) / Math.abs(score!);
        worst.set(r.algo, Math.max(worst.get(r.algo) ?? 0, err));
        expect(err, `${set} ${name} ${r.algo}: ours ${r.qoe}, Sabre's ${score}`).toBeLessThanOrEqual(0.02);
      }
      console.log(`${set}: worst difference from Sabre's score per algorithm: ${[...worst].map(([a, e]) => `${a} ${(e * 100).toFixed(4)}%`).join(', ')}`);
    });
  }
});
