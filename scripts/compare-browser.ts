/**
 * npm run compare:browser -- [--video ID] [--traces A,B,...] [--players dashlab:bola,dashjs,...]
 *                            [--parallel N] [--json F] [--html F] [--timeout S]
 * npm run compare:browser -- --live [--source testsrc|ID] [--seconds S] [--traces ...] [--players ...] [--json F]
 * Real playback in headless Chromium (lab/browser/compare-browser.ts): every player on every
 * trace, each session on its own shaped link replaying the trace in real time, N at a time.
 * The same table, JSON and HTML as npm run compare; for our algorithms the simulated QoE of
 * the same trace and video is printed beside the measured one. With --live, a low-latency
 * channel is started and each player watches it for S seconds (lab/browser/live-session.ts),
 * scored with the live model's QoE, latency beside it.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ABR_NAMES, DEFAULT_ABR } from '../core/abr/index.js';
import { OUR_ENGINE, parsePlayerList, type PlayerSpec } from '../core/players.js';
import { CHROMIUM, launchChromium } from '../lab/browser/chromium.js';
import { browserResults, PHASE_BAND_S, runBrowserSessions, type Measured, type SimulatedSession } from '../lab/browser/compare-browser.js';
import { runLiveSessions } from '../lab/browser/live-session.js';
import { summarise } from '../core/qoe.js';
import { LIVE_DEFAULTS } from '../server/live/defaults.js';
import { LEARNED, learnedUnavailable } from '../lab/compare/compare.js';
import { loadTraces, loadVideo, UsageError } from '../lab/inputs.js';
import { buildReportData } from '../lab/report/report-data.js';
import { reportPage } from '../lab/report/report-page.js';
import { createOrigin } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { SAMPLE_ID } from '../server/packager/index.js';
import { ensureReportAssets } from './lib/build-player.js';
import { printCompareTable, printNetworkTable } from './lib/compare-table.js';
import { ProgressBar } from './lib/progress-bar.js';
import { ensureSample } from './lib/sample.js';

const DEFAULTS = { video: SAMPLE_ID, traces: 'norway_ferry_5,norway_bus_15', players: 'dashlab:dashlab,dashlab:bola,dashlab:robust-mpc,dashjs,hlsjs', parallel: 2 };
/** --live: the rules made for live, ours and dash.js's own beside our ports of them. */
const LIVE_DEFAULT_PLAYERS = 'dashlab:dashlab-live,dashlab:l2a,dashlab:lolp,dashjs:l2a,dashjs:lolp';
const LIVE_DEFAULT_SECONDS = 60;

const USAGE = `usage: npm run compare:browser -- [--video ID] [--traces A,B,...] [--players P,...] [--parallel N] [--json F] [--html F] [--timeout S]
       npm run compare:browser -- --live [--source testsrc|ID] [--seconds S] [--traces ...] [--players ...] [--json F]

  --video    a video of the library (default ${DEFAULTS.video}: packaged first if missing)
  --traces   traces (names under media/traces/, files or folders), replayed in real time
             (default ${DEFAULTS.traces})
  --players  dashlab:<abr>, dashjs, hlsjs (default ${DEFAULTS.players})
  --parallel sessions at a time (default ${DEFAULTS.parallel}: on two cores more skews the
             measurements, since a starved page times its downloads late)
  --json     write every session and the summary as JSON (npm run compare's shape)
  --html     write the report (npm run compare's, with simulated against measured QoE)
  --timeout  give up on a session after this many seconds (default 3 x the video + 60)
  --live     play a low-latency live channel instead (0.5 s chunks, 1.5 s target latency);
             players default to ${LIVE_DEFAULT_PLAYERS}
             (dashjs:l2a and dashjs:lolp: dash.js's own rules); scored with the live QoE
  --source   --live: testsrc (default) or a library video's id, looped
  --seconds  --live: how long each player watches, after it starts playing (default ${LIVE_DEFAULT_SECONDS})
Chromium: ${CHROMIUM} (CHROMIUM_PATH)`;

function parse() {
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string', default: DEFAULTS.video }, traces: { type: 'string', default: DEFAULTS.traces }, players: { type: 'string', default: DEFAULTS.players }, parallel: { type: 'string', default: String(DEFAULTS.parallel) }, json: { type: 'string' }, html: { type: 'string' }, timeout: { type: 'string' }, live: { type: 'boolean' }, source: { type: 'string', default: 'testsrc' }, seconds: { type: 'string', default: String(LIVE_DEFAULT_SECONDS) }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  let players: PlayerSpec[];
  if (values.live && !process.argv.some((a) => a.startsWith('--players'))) values.players = LIVE_DEFAULT_PLAYERS;
  try {
    players = parsePlayerList(values.players!, ABR_NAMES, DEFAULT_ABR);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!players.length) throw new UsageError('--players: give at least one player');
  // Sessions are reported by player: each once.
  if (new Set(players.map((p) => p.label)).size !== players.length) throw new UsageError('--players: each player once');
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError('--parallel: a whole number >= 1');
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(values.video!)) throw new UsageError(`--video ${values.video}: give the id of a video in the library`);
  const seconds = Number(values.seconds);
  if (!(seconds >= 10 && seconds <= 3600)) throw new UsageError('--seconds: 10 to 3600');
  if (values.source !== 'testsrc' && !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(values.source!)) throw new UsageError(`--source ${values.source}: testsrc or the id of a video in the library`);
  return { ...values, players, parallel, video: values.video!, seconds };
}

/** The library video to play (the sample is packaged first when missing; bundled videos are sizes only). */
async function libraryVideo(mediaDir: string, id: string) {
  const infoFile = path.join(mediaDir, id, 'info.json');
  const packaged = () => stat(infoFile).then(() => true, () => false);
  if (id === SAMPLE_ID) await ensureSample(mediaDir);
  if (!(await packaged())) throw new UsageError(`--video ${id}: not in the library (${mediaDir}); package it with npm run package -- <file> --id ${id}`);
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as { id: string; durationS: number; segmentDurationS: number; renditions: Array<{ id: string; kind: string; bandwidth: number }> };
  return { info, video: await loadVideo(infoFile), renditions: new Map(info.renditions.filter((r) => r.kind === 'video').map((r) => [r.id, r.bandwidth])) };
}

/**
 * --live: a channel from the test source (or a library video, looped) on an origin of our own,
 * every player watching it on every trace; the table with latency, and the JSON.
 */
async function runLive(args: ReturnType<typeof parse>): Promise<void> {
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1' };
  const traces = await loadTraces(args.traces!);
  if (args.source === SAMPLE_ID) await ensureSample(config.mediaDir);
  const origin = await createOrigin(config, { log: createLogger(process.env.LOG_LEVEL ?? 'warn') });
  const baseUrl = await origin.listen();
  const channel = `compare-live-${process.pid}`;
  const total = traces.length * args.players.length;
  let browser;
  try {
    const res = await fetch(`${baseUrl}/api/channels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: channel, source: args.source === 'testsrc' ? 'testsrc' : `file:${args.source}`, loop: true }) });
    if (res.status !== 201) throw new UsageError(`could not start the channel from ${args.source}: ${((await res.json()) as { error?: string }).error ?? res.status}`);
    console.log(`compare:browser --live: ${args.players.length} players x ${traces.length} traces on a channel from ${args.source}, ${args.seconds} s each, ${args.parallel} at a time (about ${Math.ceil((Math.ceil(total / args.parallel) * (args.seconds + 8)) / 60)} min)`);
    browser = await launchChromium();
    const t0 = Date.now();
    const measured = await runLiveSessions({ browser, baseUrl, channel, traces, players: args.players, parallel: args.parallel, seconds: args.seconds, segmentS: LIVE_DEFAULTS.segmentS, onSession: (n, all, m) => {
      process.stderr.write(`  ${n}/${all} ${m.session.player} on ${m.trace.name}: live QoE ${m.session.qoe.toFixed(0)}, latency ${(m.session.latencyS ?? 0).toFixed(2)} s${m.session.error ? `; ${m.session.error}` : ''}\n`);
    } });
    console.log(`${measured.length} sessions in ${Math.round((Date.now() - t0) / 1000)} s`);
    const results = measured.map(({ trace, session: { player, samples: _n, timeline, error: _e, ...m } }) => ({ algo: player, trace: trace.name, ...m, timeline }));
    const summary = args.players.map((p) => summarise(p.label, results.filter((r) => r.algo === p.label))).sort((a, b) => b.meanQoe - a.meanQoe);
    printCompareTable({ summary }, `live in Chromium, a channel from ${args.source}, ${traces.length} trace${traces.length === 1 ? '' : 's'}, ${args.seconds} s a session (live QoE)`, 'player');
    const failed = measured.filter((m) => m.session.error);
    if (args.json) {
      await writeFile(args.json, JSON.stringify({ model: 'browser-live', measuredAt: new Date().toISOString(), seconds: args.seconds, video: args.source, traces: traces.map((t) => t.name), results: results.map(({ timeline: _t, ...r }) => r), summary, incomplete: failed.map((m) => ({ player: m.session.player, trace: m.trace.name, error: m.session.error })) }, null, 2) + '\n');
      console.log(`wrote ${args.json}`);
    }
    if (failed.length === measured.length) throw new Error('no session played: see the errors above');
  } finally {
    await browser?.close();
    await fetch(`${baseUrl}/api/channels/${channel}`, { method: 'DELETE' }).catch(() => undefined);
    await origin.close();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return void console.log(USAGE);
  const args = parse();
  if (args.live) return runLive(args);
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1' };
  const traces = await loadTraces(args.traces!);
  const { info, video, renditions } = await libraryVideo(config.mediaDir, args.video);
  // As npm run compare: learned is never scored on a trace its policy learned from.
  const learnedPlayer = args.players.find((p) => p.label === `${OUR_ENGINE}:${LEARNED}`);
  const notLearned = learnedPlayer && learnedUnavailable({ video, traces });
  if (notLearned) throw new UsageError(`${learnedPlayer.label}: ${notLearned}`);
  const timeoutS = args.timeout ? Number(args.timeout) : info.durationS * 3 + 60;
  if (!(timeoutS > 0)) throw new UsageError('--timeout: seconds, > 0');

  const assets = args.html ? await ensureReportAssets() : undefined;
  const origin = await createOrigin(config, { log: createLogger(process.env.LOG_LEVEL ?? 'warn') });
  const baseUrl = await origin.listen();
  const total = traces.length * args.players.length;
  console.log(`compare:browser: ${args.players.length} players x ${traces.length} traces on ${info.id} (${info.durationS} s), ${args.parallel} at a time, in real time (about ${Math.ceil((Math.ceil(total / args.parallel) * (info.durationS + 35)) / 60)} min)`);
  const t0 = Date.now();
  const bar = new ProgressBar();
  let done = 0;
  const tick = setInterval(() => bar.update({ label: `${done}/${total} sessions, ${Math.round((Date.now() - t0) / 1000)} s`, percent: (done / total) * 100 }), 1000);
  let measured: Measured[];
  const browser = await launchChromium().catch(async (err) => {
    await origin.close();
    throw err;
  });
  try {
    const run = { browser, baseUrl, videoId: info.id, video, renditions, segmentS: info.segmentDurationS, traces, players: args.players, parallel: args.parallel, timeoutS };
    measured = await runBrowserSessions({
      ...run,
      onSession: (n, _total, m) => {
        done = n;
        if (m.session.error) process.stderr.write(`\n  ${m.session.player} on ${m.trace.name}: ${m.session.error}\n`);
      },
    });
  } finally {
    clearInterval(tick);
    bar.done();
    await browser.close();
    await origin.close();
  }
  console.log(`${measured.length} sessions in ${Math.round((Date.now() - t0) / 1000)} s`);
  const { result, simulated } = browserResults(measured, { videoId: info.id, video, traces, players: args.players });
  printCompareTable(result, `measured in Chromium, video ${result.video}, ${result.traces.length} trace${result.traces.length === 1 ? '' : 's'}`, 'player');
  printNetworkTable(result);
  printSimulated(simulated);
  const incomplete = measured.filter((m) => m.session.error);
  // Stops with media buffered are this machine's (decoding), not the network's: said, not scored.
  const starved = measured.filter((m) => m.session.starvedS >= 0.05).map((m) => ({ player: m.session.player, trace: m.trace.name, seconds: m.session.starvedS }));
  const starvedNotes = starved.map((s) => `${s.player} on ${s.trace}: playback stopped ${s.seconds.toFixed(1)} s with media buffered (this machine decoded too slowly; not counted as rebuffering)`);
  if (starved.length) console.log(`\nwarning: ${starvedNotes.join('\nwarning: ')}\n(run fewer sessions at a time, e.g. --parallel 1, to leave the decoder more CPU)`);
  if (args.json) {
    const slim = { ...result, measuredAt: new Date().toISOString(), results: result.results.map(({ timeline: _t, ...rest }) => rest), simulated, incomplete: incomplete.map((m) => ({ player: m.session.player, trace: m.trace.name, error: m.session.error })), starved };
    await writeFile(args.json, JSON.stringify(slim, null, 2) + '\n');
    console.log(`wrote ${args.json}`);
  }
  if (args.html && assets) {
    const notes = [
      `Each player played the whole video once per trace in headless Chromium, ${args.parallel} session${args.parallel === 1 ? '' : 's'} at a time, each on its own shaped link replaying the trace from its start in real time; audio segments share the link, as in any player.`,
      'QoE is computed from what each page downloaded (the last download of each segment is the one played) and the stalls it reported, with the declared bandwidth of each rendition.',
      ...incomplete.map((m) => `${m.session.player} on ${m.trace.name}: ${m.session.error} (scored on what it played)`),
      ...starvedNotes,
    ];
    const simulatedRows = simulated.map(({ algo, trace, simulatedQoe, measuredQoe, simulatedQoeRange, startS }) => ({ algo, trace, simulatedQoe, measuredQoe, simulatedQoeRange, startS }));
    await writeFile(args.html, reportPage(buildReportData({ title: `Browser comparison: ${info.id}`, result, traces, simulated: simulatedRows, notes }), assets));
    console.log(`wrote ${args.html}`);
  }
  if (incomplete.length === measured.length) throw new Error('no session finished: see the errors above');
}

function printSimulated(simulated: SimulatedSession[]): void {
  if (!simulated.length) return;
  console.log('\nour algorithms: simulated (dashlab model) against measured, per trace');
  console.log(`(simulated from the trace time the session's first segment was requested at, with its mean time to first byte as the RTT and its start hint; the range: started up to ${PHASE_BAND_S} s earlier or later)`);
  console.log(`${'player'.padEnd(22)}${'trace'.padEnd(18)}${'start s'.padStart(8)}${'QoE sim'.padStart(9)}${'range'.padStart(16)}${'measured'.padStart(10)}${'kbit/s sim'.padStart(12)}${'measured'.padStart(10)}${'rebuf s sim'.padStart(13)}${'measured'.padStart(10)}${'ttfb ms'.padStart(9)}`);
  for (const s of simulated) {
    const range = `${s.simulatedQoeRange[0].toFixed(1)}..${s.simulatedQoeRange[1].toFixed(1)}`;
    console.log(`${s.algo.padEnd(22)}${s.trace.padEnd(18)}${s.startS.toFixed(2).padStart(8)}${s.simulatedQoe.toFixed(2).padStart(9)}${range.padStart(16)}${s.measuredQoe.toFixed(2).padStart(10)}${s.simBitrateKbps.toFixed(0).padStart(12)}${s.measuredBitrateKbps.toFixed(0).padStart(10)}${s.simRebufferS.toFixed(2).padStart(13)}${s.measuredRebufferS.toFixed(2).padStart(10)}${s.ttfbMs.toFixed(0).padStart(9)}`);
  }
  const gaps = simulated.map((s) => Math.abs(s.measuredQoe - s.simulatedQoe));
  const within = simulated.filter((s) => s.measuredQoe >= s.simulatedQoeRange[0] - 0.01 && s.measuredQoe <= s.simulatedQoeRange[1] + 0.01).length;
  console.log(`mean |measured - simulated| QoE: ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(2)}; measured within the simulated range: ${within} of ${simulated.length}`);
}

main().catch((err) => {
  process.stderr.write(`dashlab compare:browser: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
