/**
 * npm run cdn:modes -- [--video pensieve-envivio] [--traces norway-test] [--edges 3] [--ttl 5] [--algo dashlab] [--json F]
 *
 * Which node serves whom, in the simulator (lab/cdn/modes.ts): each viewer has E edges whose
 * paths are E traces of the set (trace i, i+1, ..., its location's edge first), and plays the
 * video with our ABR under redirection, Content Steering and its own choice. The table gives
 * mean QoE per mode and, paired per viewer, each mode against redirection. In Chromium, the
 * same three modes run side by side on /compare (npm run cdn).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sessionMetrics, summarise, type SessionMetrics } from '../core/qoe.js';
import { LAB_MODES, modeTrace, type LabEdge, type LabMode } from '../lab/cdn/modes.js';
import { loadTraces, loadVideo } from '../lab/inputs.js';
import { simulatePlayer } from '../lab/models/player-model.js';
import { fail } from './lib/cli.js';

/** Pensieve's link round trip, for traces that give none. */
const DEFAULT_RTT_MS = 80;

async function main(): Promise<void> {
  const a = parseArgs({ options: { video: { type: 'string' }, traces: { type: 'string' }, edges: { type: 'string' }, ttl: { type: 'string' }, algo: { type: 'string' }, json: { type: 'string' } } }).values;
  const nEdges = Number(a.edges ?? 3);
  const ttlS = Number(a.ttl ?? 5);
  if (!Number.isInteger(nEdges) || nEdges < 2 || nEdges > 8) throw new Error('--edges: 2 to 8');
  if (!Number.isInteger(ttlS) || ttlS < 1 || ttlS > 600) throw new Error('--ttl: whole seconds, 1 to 600');
  const algo = a.algo ?? 'dashlab';
  const video = await loadVideo(a.video ?? 'pensieve-envivio');
  const traces = await loadTraces(a.traces ?? 'norway-test');
  if (traces.length < nEdges) throw new Error(`--traces: at least ${nEdges} traces, one per edge`);
  const durationS = Math.ceil(video.durationS * 2 + 60);
  const sessions: Record<LabMode, SessionMetrics[]> = { redirect: [], steering: [], client: [] };
  for (let i = 0; i < traces.length; i++) {
    const edges: LabEdge[] = Array.from({ length: nEdges }, (_, k) => {
      const t = traces[(i + k) % traces.length].trace;
      return { id: `edge-${k + 1}`, trace: t, rttMs: t.rttMs ?? DEFAULT_RTT_MS };
    });
    for (const mode of LAB_MODES) {
      const trace = modeTrace(mode, edges, { durationS, ttlS, segmentS: Math.max(1, Math.round(video.sim.segmentS)), home: 0 });
      const r = simulatePlayer({ trace, video: video.sim, algo });
      sessions[mode].push(sessionMetrics(r.segments.map((s) => video.sim.bitrates[s.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * video.sim.segmentS));
    }
  }
  const out = process.stdout;
  out.write(`\n${algo} on ${video.name}, ${traces.length} viewers, ${nEdges} edges each (traces i..i+${nEdges - 1} of ${a.traces ?? 'norway-test'}; the location's edge: trace i), steering TTL ${ttlS} s\n`);
  out.write(`${'mode'.padEnd(10)}${'mean QoE'.padStart(10)}${'95% CI'.padStart(9)}${'kbit/s'.padStart(9)}${'rebuffer s'.padStart(12)}${'vs redirect (paired)'.padStart(24)}\n`);
  const base = sessions.redirect.map((s) => s.qoe);
  for (const mode of LAB_MODES) {
    const s = summarise(mode, sessions[mode]);
    const d = sessions[mode].map((x, i) => x.qoe - base[i]);
    const dm = d.reduce((x, y) => x + y, 0) / d.length;
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - dm) ** 2, 0) / Math.max(1, d.length - 1));
    const paired = mode === 'redirect' ? '' : `${dm >= 0 ? '+' : ''}${dm.toFixed(2)} ± ${((1.96 * sd) / Math.sqrt(d.length)).toFixed(2)}`;
    out.write(`${mode.padEnd(10)}${s.meanQoe.toFixed(2).padStart(10)}${`±${s.ciQoe.toFixed(2)}`.padStart(9)}${s.meanBitrateKbps.toFixed(0).padStart(9)}${s.meanRebufferS.toFixed(2).padStart(12)}${paired.padStart(24)}\n`);
  }
  if (a.json) await writeFile(a.json, JSON.stringify({ algo, video: video.name, traces: traces.map((t) => t.name), edges: nEdges, ttlS, sessions }, null, 2));
}

main().catch((err) => fail('cdn:modes', err));
