/** The learned ABR (core/abr/learned.ts): reading a policy table, checking a policy file, falling back to dashlab. */
import { describe, expect, it } from 'vitest';
import { checkPolicy, createAbr, POLICY_FILE, type AbrContext, type LearnedPolicy, type ThroughputSample } from '../../core/abr/index.js';
import { DEFAULT_RATE_FEATURES, POLICY_FORMAT, rateCell } from '../../core/abr/learned.js';
import { simulatePlayer, type SimVideo } from '../../lab/models/player-model.js';
import { learnedUnavailable, simulateSession } from '../../lab/compare/compare.js';
import { trainStochasticDp } from '../../lab/learning/stochastic-dp.js';
import { parseTrace, rotateTrace } from '../../core/traces/index.js';
import { BUNDLED_VIDEOS_DIR, loadTraces, loadVideo, policyPathFor } from '../../lab/inputs.js';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const bitrates = [300e3, 1200e3];
/** 2 rungs, 2 rate bins (150 kbit/s and 8 Mbit/s centres), buffers 0 and 10 s, one depth. */
function tinyPolicy(choices: string): LearnedPolicy {
  return {
    format: POLICY_FORMAT,
    training: { name: 'hand-made', traceKeys: [] },
    bitrates,
    segmentS: 4,
    bufferTargetS: 30,
    bufferStepS: 10,
    buffers: 2,
    depths: 1,
    rates: { ...DEFAULT_RATE_FEATURES, bins: 2 },
    choices,
  };
}
const ctx = (o: Partial<AbrContext>): AbrContext => ({ bitrates, segmentDurationS: 4, bufferS: 0, bufferTargetS: 30, history: [], lastIndex: 0, segmentIndex: 3, totalSegments: 10, nowS: 20, rebuffering: false, ...o });
/** A 1 MB download at `bps` (tail measured at the same rate). */
const at = (bps: number): ThroughputSample => ({ bytes: 1e6, ttfbS: 0, transferS: 8e6 / bps, endS: 10, tailBps: bps });

describe('learned', () => {
  it('reads its choice from the table: (depth, buffer, last, tail bin, mean bin)', () => {
    // Index ((depth * buffers + g) * rungs + last) * 4 + tail * 2 + mean: only g=1 (10 s buffered), last=1, both rates high -> 1.
    const choices = '0000' + '0000' + '0000' + '0001';
    const abr = createAbr('learned', { policy: tinyPolicy(choices) });
    const fast = [at(5e6), at(5e6)];
    expect(abr.choose(ctx({ history: fast, bufferS: 9, lastIndex: 1 })).index).toBe(1);
    expect(abr.choose(ctx({ history: fast, bufferS: 9, lastIndex: 1 })).reason).toMatch(/^learned: tail 5000 kbit\/s/);
    expect(abr.choose(ctx({ history: fast, bufferS: 4, lastIndex: 1 })).index).toBe(0); // nearest grid point 0 s
    expect(abr.choose(ctx({ history: fast, bufferS: 9, lastIndex: 0 })).index).toBe(0);
    expect(abr.choose(ctx({ history: [at(5e6), at(200e3)], bufferS: 9, lastIndex: 1 })).index).toBe(0); // tail low
  });

  it('bins rates on a log scale from the last download\'s tail and the harmonic mean, small downloads left out', () => {
    const f = { ...DEFAULT_RATE_FEATURES };
    expect(rateCell([], f)).toBeUndefined();
    const c = rateCell([at(8e6), at(150e3)], f)!;
    // Tail at the bottom centre (bin 0); harmonic mean of 8M and 150k ~ 294k: 13 x ln(294k/150k) / ln(8M/150k) = 2.2, bin 2.
    expect(c.cell).toBe(0 * f.bins + 2);
    expect(c.meanBps).toBeCloseTo(2 / (1 / 8e6 + 1 / 150e3), 0);
    const tiny: ThroughputSample = { bytes: 1000, ttfbS: 0, transferS: 1, endS: 11 };
    expect(rateCell([at(8e6), tiny], f)!.cell).toBe((f.bins - 1) * f.bins + (f.bins - 1));
  });

  it('plays as dashlab without a policy, with another ladder, and on a link faster than it learned from', () => {
    const history = [at(2e6), at(2.5e6), at(1.8e6)];
    const c = ctx({ history, bufferS: 12, lastIndex: 1 });
    const dashlab = createAbr('dashlab').choose(c);
    const none = createAbr('learned').choose(c);
    expect(none.index).toBe(dashlab.index);
    expect(none.reason).toMatch(/^no learned policy for this video; dashlab: /);
    const other = createAbr('learned', { policy: { ...tinyPolicy('1'.repeat(16)), bitrates: [300e3, 1300e3] } }).choose(c);
    expect(other.index).toBe(dashlab.index);
    expect(other.reason).toMatch(/^the policy was learned for another ladder; dashlab: /);
    const fast = [at(20e6), at(20e6)];
    const above = createAbr('learned', { policy: tinyPolicy('0'.repeat(16)) }).choose(ctx({ history: fast, bufferS: 12, lastIndex: 1 }));
    expect(above.index).toBe(createAbr('dashlab').choose(ctx({ history: fast, bufferS: 12, lastIndex: 1 })).index);
    expect(above.index).toBe(1);
    expect(above.reason).toMatch(/^link above the policy's range; dashlab: /);
  });

  it('refuses a file that is not a policy, with the reason', () => {
    expect(() => checkPolicy(null)).toThrow(/not an ABR policy: not a JSON object/);
    expect(() => checkPolicy({ ...tinyPolicy('0'.repeat(16)), format: 'x' })).toThrow(/format is "x"/);
    expect(() => checkPolicy(tinyPolicy('0'.repeat(15)))).toThrow(/15 choices, expected 16/);
    expect(() => checkPolicy(tinyPolicy('0'.repeat(15) + '2'))).toThrow(/a choice is not a representation/);
    expect(() => checkPolicy(tinyPolicy('0'.repeat(15) + 'A'))).toThrow(/a choice is not a representation/);
    expect(checkPolicy(JSON.parse(JSON.stringify(tinyPolicy('01'.repeat(8)))))).toMatchObject({ depths: 1, buffers: 2 });
  });

  it('refuses a policy of the average-size format (/1) with the way out, and plays dashlab saying why', () => {
    expect(POLICY_FORMAT).toBe('dashlab-abr-policy/2');
    const old = { ...tinyPolicy('0'.repeat(16)), format: 'dashlab-abr-policy/1' };
    expect(() => checkPolicy(old)).toThrow(/format dashlab-abr-policy\/1 is outdated: .*average size.*learn it anew with npm run abr:policy -- --video X \(a library video's in place/);
    const c = ctx({ history: [at(2e6)], bufferS: 12, lastIndex: 1 });
    const d = createAbr('learned', { policyProblem: 'format dashlab-abr-policy/1 is outdated' }).choose(c);
    expect(d.index).toBe(createAbr('dashlab').choose(c).index);
    expect(d.reason).toMatch(/^the video's policy is unusable \(format dashlab-abr-policy\/1 is outdated\); dashlab: /);
  });

  it('a video whose policy file cannot be used loads without it, with the reason; compare says it and leaves learned to its training traces', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dashlab-policy-'));
    try {
      const info = path.join(dir, 'old.info.json');
      await copyFile(path.join(BUNDLED_VIDEOS_DIR, 'pensieve-envivio.info.json'), info);
      const policy = JSON.parse(await readFile(path.join(BUNDLED_VIDEOS_DIR, 'pensieve-envivio.abr-policy.json'), 'utf8'));
      await writeFile(path.join(dir, 'old.abr-policy.json'), JSON.stringify({ ...policy, format: 'dashlab-abr-policy/1' }));
      const v = await loadVideo(info);
      expect(v.policy).toBeUndefined();
      expect(v.policyProblem).toMatch(/old\.abr-policy\.json: not an ABR policy: format dashlab-abr-policy\/1 is outdated/);
      const trace = { name: 'x', trace: parseTrace('0 1000\n', 'x') };
      expect(learnedUnavailable({ video: v, traces: [trace] })).toMatch(/policy cannot be used \(.*outdated.*\) and no training traces were given/);
      expect(learnedUnavailable({ video: v, traces: [trace], training: { name: 't', traces: [parseTrace('0 2000\n', 't')] } })).toBeUndefined();
      await writeFile(path.join(dir, 'old.abr-policy.json'), '{"format": "dashlab-abr-policy/2", "choi');
      expect((await loadVideo(info)).policyProblem).toMatch(/old\.abr-policy\.json: .*JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes choices in base 36, so a ladder of more than ten representations fits', () => {
    const many = Array.from({ length: 12 }, (_, i) => 200 + 300 * i);
    const trace = parseTrace('0 6\n', 'fast');
    const v: SimVideo = { bitrates: many.map((k) => k * 1000), segmentS: 4, sizes: many.map((k) => Array(12).fill(k * 500)) };
    const policy = checkPolicy(JSON.parse(JSON.stringify(trainStochasticDp({ traces: [trace], video: v, options: { rotations: 2 } }).policy)));
    expect(policy.choices).toMatch(/[ab]/); // rungs 10 and 11 (3200, 3500 kbit/s) on a 6 Mbit/s link
    const abr = createAbr('learned', { policy });
    const reasons: string[] = [];
    const recorder = { name: 'rec', choose: (ctx: AbrContext) => { const d = abr.choose(ctx); reasons.push(d.reason); return d; } };
    const chosen = simulatePlayer({ trace, video: v, algo: '', abr: recorder }).segments.map((s) => s.quality);
    expect(Math.max(...chosen)).toBe(11);
    expect(reasons.slice(1).every((r) => r.startsWith('learned: ')), reasons.join(' | ')).toBe(true); // the table's choices, not dashlab's
  });

  it('a trained policy survives JSON: the simulator makes the same choices from the file as from the model', () => {
    const trace = parseTrace('0 2\n5 0.6\n9 1.4\n15 3\n22 0.4\n', 'mixed');
    const v: SimVideo = { bitrates: [300e3, 750e3, 1200e3, 1850e3], segmentS: 4, sizes: [300, 750, 1200, 1850].map((k) => Array(20).fill(k * 500)) };
    const model = trainStochasticDp({ traces: [trace], video: v, options: { rotations: 3 } });
    expect(model.policy.depths).toBe(20); // no deeper than the video
    const file = checkPolicy(JSON.parse(JSON.stringify(model.policy)));
    const play = (policy: LearnedPolicy) => simulatePlayer({ trace: rotateTrace(trace, 2), video: v, algo: '', abr: createAbr('learned', { policy }) }).segments.map((s) => s.quality);
    const chosen = play(file);
    expect(new Set(chosen).size).toBeGreaterThan(1);
    expect(chosen).toEqual(play(model.policy));
  });

  it('the lab plays learned with the policy it is given (simulateSession), and dashlab without one', () => {
    // Every state says the top rung: on 1 Mbit/s dashlab would stay at the lowest.
    const v: SimVideo = { bitrates, segmentS: 4, sizes: [300, 1200].map((k) => Array(10).fill(k * 500)) };
    const trace = parseTrace('0 1\n', 'c1000');
    const top = tinyPolicy('1'.repeat(16));
    // The rung asked for (the player may abandon it for the lowest when the buffer runs low).
    const play = (algo: string, policy: LearnedPolicy | undefined) => simulateSession({ algo, trace, video: v, policy }).segments.map((s) => s.abandoned?.quality ?? s.quality);
    expect(play('learned', top).slice(1)).toEqual(Array(9).fill(1));
    expect(play('learned', undefined)).toEqual(play('dashlab', undefined));
    expect(play('dashlab', undefined).slice(1)).toContain(0);
  });

  it('the bundled Pensieve video ships its policy, learned from norway-train, read beside its info.json', async () => {
    expect(policyPathFor('/x/pensieve-envivio.info.json')).toBe('/x/pensieve-envivio.abr-policy.json');
    expect(policyPathFor('/x/id/info.json')).toBe(`/x/id/${POLICY_FILE}`);
    const v = await loadVideo('pensieve-envivio');
    expect(v.policy?.training.name).toBe('norway-train');
    expect(v.policy?.training.traceKeys).toHaveLength(68);
    expect(v.policy?.bitrates).toEqual(v.sim.bitrates);
  });

  it('the bundled policy is what training computes today (rebuild: npm run abr:policy -- --video pensieve-envivio)', async () => {
    const v = await loadVideo('pensieve-envivio');
    const traces = (await loadTraces('norway-train')).map((t) => t.trace);
    const fresh = trainStochasticDp({ traces, video: v.sim, trainingName: 'norway-train' }).policy;
    expect(fresh.choices === v.policy!.choices, 'the bundled abr-policy.json is stale').toBe(true);
    expect({ ...fresh, choices: '' }).toEqual({ ...v.policy!, choices: '' });
    // ~11 s alone; CI machines have run it 2-6x slower, and a timeout here says nothing about the policy.
  }, 300_000);
});
