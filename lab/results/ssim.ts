/**
 * QoE on SSIM (Puffer's objective, core/qoe.ts) on the one lab video whose segments' SSIM was
 * measured: `sample-ssim` (media/videos/, the sample as packaged on the project's machine, so
 * these figures do not move with the ffmpeg at hand). Test traces, and training traces beside
 * them: `dashlab-ssim`'s one choice (its rebuffer weight, carried over from dashlab) was
 * checked on training.
 */
import { runComparison, type CompareResult } from '../compare/compare.js';
import { loadTraces, loadVideo } from '../inputs.js';
import { summaryOf } from './stats.js';

const ALGOS = ['offline-optimal-ssim', 'offline-optimal', 'dashlab', 'robust-mpc', 'dashlab-ssim', 'bola'];
const NAMES: Record<string, string> = {
  'offline-optimal-ssim': 'offline-optimal-ssim (knows the trace)',
  'offline-optimal': "offline-optimal (QoE_lin's, knows the trace)",
  'dashlab-ssim': '**dashlab-ssim (ours, plans on SSIM)**',
};

export async function ssimTable(log: (line: string) => void): Promise<string[]> {
  const video = await loadVideo('sample-ssim');
  const run = async (traces: string): Promise<CompareResult> => runComparison({ model: 'dashlab', video, traces: await loadTraces(traces), algos: ALGOS });
  const test = await run('norway-test');
  const train = await run('norway-train');
  const q = (r: CompareResult, a: string) => summaryOf(r, a).meanQoeSsim!;
  const rows = [...test.summary].sort((a, b) => b.meanQoeSsim! - a.meanQoeSsim!);
  const d = (r: CompareResult) => q(r, 'dashlab-ssim') - q(r, 'dashlab');
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  const bits = summaryOf(test, 'dashlab-ssim').meanBitrateKbps / summaryOf(test, 'dashlab').meanBitrateKbps - 1;
  log(`ssim: ${test.results.length + train.results.length} sessions`);
  return [
    `\`npm run compare -- --video sample-ssim --traces norway-test --algos ${ALGOS.join(',')}\` (norway-train in brackets):`,
    '',
    '| player | QoE on SSIM | mean SSIM dB | QoE_lin | bitrate kbit/s | rebuffer s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((s) => `| ${NAMES[s.algo] ?? s.algo} | ${s.meanQoeSsim!.toFixed(1)} (${q(train, s.algo).toFixed(1)}) | ${s.meanSsimDb!.toFixed(2)} | ${s.meanQoe.toFixed(2)} | ${s.meanBitrateKbps.toFixed(0)} | ${s.meanRebufferS.toFixed(2)} |`),
    '',
    `Planning on SSIM against planning on bitrate (dashlab-ssim − dashlab, QoE on SSIM): ${sign(d(train))} on the training traces, ${sign(d(test))} on the test traces (intervals ±${summaryOf(test, 'dashlab').ciQoeSsim!.toFixed(1)}), at ${Math.abs(bits * 100).toFixed(0)}% ${bits < 0 ? 'fewer' : 'more'} bits on test. The two optima differ by ${(q(test, 'offline-optimal-ssim') - q(test, 'offline-optimal')).toFixed(1)} on SSIM QoE and by ${(summaryOf(test, 'offline-optimal').meanQoe - summaryOf(test, 'offline-optimal-ssim').meanQoe).toFixed(2)} on QoE_lin.`,
  ];
}
