/**
 * The Pensieve model against Pensieve's own code: per-trace results of its test/bb.py and
 * test/mpc.py (run on fixed_env.py, its 142 Norway test traces and its video), recorded in
 * test/fixtures/pensieve-reference/ (its README says how). Every trace's score and every
 * chunk's choice must be the same.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCooked, runPensieveSession, type CookedTrace, type MpcErrorHistory, type PensieveVideo } from '../../lab/models/pensieve-model.js';

const root = path.resolve(import.meta.dirname, '..', '..');
type Row = { qoe: number; qualities: string; rebufferS: number };
interface Reference {
  traces: string[];
  bba: Record<string, Row>;
  robustMpc: Record<string, Row>;
  robustMpcCarried: Record<string, Row>;
}

async function load() {
  const ref: Reference = JSON.parse(await readFile(path.join(root, 'test/fixtures/pensieve-reference/norway-test.json'), 'utf8'));
  const info = JSON.parse(await readFile(path.join(root, 'media/videos/pensieve-envivio.info.json'), 'utf8'));
  const video: PensieveVideo = { bitratesKbps: info.renditions.map((r: { bandwidth: number }) => r.bandwidth / 1000), sizes: info.renditions.map((r: { segmentBytes: number[] }) => r.segmentBytes) };
  const traces = new Map<string, CookedTrace>();
  for (const name of ref.traces) traces.set(name, parseCooked(await readFile(path.join(root, 'media/traces/norway-test', name), 'utf8'), name));
  return { ref, video, traces };
}

/** Traces where ours differs from the reference: name, our score, theirs. */
function mismatches(rows: Record<string, Row>, run: (name: string) => { qoe: number; qualities: string }) {
  const off: string[] = [];
  for (const [name, want] of Object.entries(rows)) {
    const got = run(name);
    if (Math.abs(got.qoe - want.qoe) > 1e-9 || got.qualities !== want.qualities) off.push(`${name}: ours ${got.qoe} ${got.qualities}, Pensieve's ${want.qoe} ${want.qualities}`);
  }
  return off;
}

describe("the Pensieve model reproduces Pensieve's own code on its 142 test traces", async () => {
  const { ref, video, traces } = await load();
  const session = (name: string, algo: string, mpcHistory?: MpcErrorHistory) => {
    const r = runPensieveSession(traces.get(name)!, video, algo, { mpcHistory });
    return { qoe: r.qoe, qualities: r.chunks.map((c) => c.quality).join('') };
  };

  it('covers every shipped test trace, once, for each program', async () => {
    const { readdir } = await import('node:fs/promises');
    const shipped = (await readdir(path.join(root, 'media/traces/norway-test'))).sort();
    expect(shipped).toHaveLength(142);
    expect(ref.traces).toEqual(shipped);
    for (const rows of [ref.bba, ref.robustMpc, ref.robustMpcCarried]) expect(Object.keys(rows).sort()).toEqual(shipped);
  });

  it('bb.py: the same choice for every chunk and the same score on every trace', () => {
    expect(mismatches(ref.bba, (n) => session(n, 'bba'))).toEqual([]);
  });

  it('mpc.py with its error history reset per trace (as the issue specifies): the same on every trace', () => {
    expect(mismatches(ref.robustMpc, (n) => session(n, 'robust-mpc'))).toEqual([]);
  });

  it('mpc.py as committed (its error history carried from trace to trace, in its order): the same, given one history for the run', () => {
    const carried: MpcErrorHistory = { errors: [], ests: [] };
    const inOrder = new Map(ref.traces.map((n) => [n, session(n, 'robust-mpc', carried)]));
    expect(mismatches(ref.robustMpcCarried, (n) => inOrder.get(n)!)).toEqual([]);
  });

  it('the carried history matters: it changes the outcome of most traces (so the checks above can tell the two apart)', () => {
    const differ = ref.traces.filter((n) => ref.robustMpc[n].qualities !== ref.robustMpcCarried[n].qualities);
    expect(differ.length).toBeGreaterThan(50);
  });
});
