/**
 * Pensieve's video on its 142 Norway test traces: every VOD player in our model and in
 * Pensieve's, the offline optimum, the ratios the text quotes, QoE_lin split into its three
 * terms, trace-by-trace wins, and the table by kind of network.
 */
import { runComparison, YARDSTICKS, type CompareResult } from '../compare/compare.js';
import { bestPlayer, qoeByNetwork } from '../compare/networks.js';
import { REBUFFER_PENALTY } from '../../core/qoe.js';
import { loadTraces, loadVideo } from '../inputs.js';
import { summaryOf, winsLosses } from './stats.js';

/** The VOD players of the Norway table (dashlab-ssim is dashlab on a video without SSIM; the live rules are for live). */
const VOD_ALGOS = ['learned', 'dashlab', 'robust-mpc', 'dynamic', 'bola', 'bola-e', 'mpc', 'bba', 'throughput', 'throughput-abandon'];

export async function norwayTables(log: (line: string) => void): Promise<string[]> {
  const video = await loadVideo('pensieve-envivio');
  const traces = await loadTraces('norway-test');
  const ours = await runComparison({ model: 'dashlab', video, traces, algos: [...VOD_ALGOS, 'offline-optimal'] });
  const theirs = await runComparison({ model: 'pensieve', video, traces, algos: VOD_ALGOS.filter((a) => a !== 'learned') });
  const cell = (r: CompareResult, a: string) => {
    const x = r.summary.find((y) => y.algo === a);
    return x ? `${x.meanQoe.toFixed(2)} ± ${x.ciQoe.toFixed(2)}` : '';
  };
  const mean = (r: CompareResult, a: string) => summaryOf(r, a).meanQoe;
  const name = (a: string) => (a === 'learned' || a === 'dashlab' ? `**${a} (ours)**` : a === 'offline-optimal' ? 'offline optimum (knows the whole trace)' : a);
  const ratio = (r: CompareResult, a: string, b: string) => `${(mean(r, a) / mean(r, b)).toFixed(3)}x`;
  // QoE_lin = segments x mean bitrate (Mbit/s) - 4.3 x rebuffer s - the switch penalty: the third is what is left.
  const segments = video.sim.segments ?? video.sim.sizes[0].length;
  const split = (a: string) => {
    const s = summaryOf(ours, a);
    const bitrate = (segments * s.meanBitrateKbps) / 1000;
    const rebuffer = REBUFFER_PENALTY * s.meanRebufferS;
    return `${a === 'offline-optimal' ? 'the optimum' : a} ${bitrate.toFixed(1)} − ${rebuffer.toFixed(1)} − ${(bitrate - rebuffer - s.meanQoe).toFixed(1)}`;
  };
  const wl = (a: string, b: string) => {
    const x = winsLosses(ours, a, b);
    return `${a} beats ${b} on ${x.wins} traces and loses on ${x.losses} (${x.ties} level)`;
  };
  const groups = qoeByNetwork(ours);
  const cols = ['offline-optimal', 'learned', 'dashlab', 'robust-mpc', 'bola'];
  log(`norway-test, ${ours.results.length + theirs.results.length} sessions`);
  return [
    '| algorithm | dashlab model | pensieve model |',
    '| --- | ---: | ---: |',
    ...ours.summary.map((x) => `| ${name(x.algo)} | ${cell(ours, x.algo)} | ${x.algo === 'offline-optimal' ? '' : x.algo === 'learned' ? '(dashlab model only)' : cell(theirs, x.algo)} |`),
    '',
    `Ratios: \`learned\` ${ratio(ours, 'learned', 'robust-mpc')} robust-MPC; \`dashlab\` ${ratio(ours, 'dashlab', 'robust-mpc')} robust-MPC and ${ratio(ours, 'dashlab', 'bola')} BOLA in the dashlab model, ${ratio(theirs, 'dashlab', 'robust-mpc')} robust-MPC and ${ratio(theirs, 'dashlab', 'bola')} BOLA in Pensieve's; \`learned\` reaches ${((mean(ours, 'learned') / mean(ours, 'offline-optimal')) * 100).toFixed(0)}% of the offline optimum, \`dashlab\` ${((mean(ours, 'dashlab') / mean(ours, 'offline-optimal')) * 100).toFixed(0)}%, robust-MPC ${((mean(ours, 'robust-mpc') / mean(ours, 'offline-optimal')) * 100).toFixed(0)}%, BOLA ${((mean(ours, 'bola') / mean(ours, 'offline-optimal')) * 100).toFixed(0)}%.`,
    '',
    `QoE_lin's three terms per session, dashlab model (${segments} chunks x the mean bitrate in Mbit/s − ${REBUFFER_PENALTY} x the rebuffer seconds − the switch penalty): ${['offline-optimal', 'learned', 'dashlab', 'robust-mpc', 'bola'].map(split).join('; ')}.`,
    '',
    `Trace by trace (dashlab model): ${wl('learned', 'robust-mpc')}; ${wl('dashlab', 'robust-mpc')}; ${wl('dashlab', 'bola')}.`,
    '',
    "Pensieve's model has no abandonment hook (it is Pensieve's environment): `throughput-abandon` plays as `throughput` there.",
    '',
    `By kind of network (dashlab model; the best player of each row in bold):`,
    '',
    `| network | traces | ${cols.map((c) => (c === 'offline-optimal' ? 'offline optimum' : c)).join(' | ')} |`,
    `| --- | ---: | ${cols.map(() => '---:').join(' | ')} |`,
    ...groups.map((g) => {
      const best = bestPlayer(g.qoe, YARDSTICKS);
      return `| ${g.network} | ${g.traces} | ${cols.map((c) => (c === best ? `**${g.qoe[c].toFixed(2)}**` : g.qoe[c].toFixed(2))).join(' | ')} |`;
    }),
  ];
}
