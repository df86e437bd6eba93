/**
 * npm run compare:browser -- [--video ID] [--traces A,B,...] [--players dashlab:bola,dashjs,...]
 *                            [--parallel N] [--json F] [--html F] [--timeout S]
 * Real playback in headless Chromium: every player on every trace, each session on its own
 * shaped link that starts replaying the trace, in real time, when the session starts (two
 * links never share bandwidth), measured from the page; N sessions at a time. The same table, JSON and HTML as npm run compare; for our algorithms the
 * simulated QoE of the same trace and video is printed beside the measured one.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { ABR_NAMES } from '../player/abr/index.js';
import { LEARNED, learnedUnavailable, simulateSession, type CompareResult } from '../player/sim/compare.js';
import { buildReportData } from '../player/sim/report.js';
import { sessionMetrics, summarise, type SessionMetrics } from '../player/sim/qoe.js';
import { rotateTrace, type Trace } from '../player/sim/traces.js';
import { createDashlabServer } from '../server/app.js';
import { loadConfig, SAMPLE_MASTER } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { packageSample, SAMPLE_ID } from '../server/packager/index.js';
import { loadTraces, loadVideo, UsageError, type LoadedTrace } from '../server/reports/inputs.js';
import { reportPage } from '../server/ui/report-page.js';
import { ensureReportAssets } from './lib/build-player.js';
import { parsePlayers, playSession, type MeasuredSession, type PlayerSpec } from './lib/browser-session.js';
import { printCompareTable, printNetworkTable } from './lib/compare-table.js';
import { ProgressBar } from './lib/progress-bar.js';

const DEFAULTS = { video: SAMPLE_ID, traces: 'norway_ferry_5,norway_bus_15', players: 'dashlab:dashlab,dashlab:bola,dashlab:robust-mpc,dashjs,hlsjs', parallel: 2 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const USAGE = `usage: npm run compare:browser -- [--video ID] [--traces A,B,...] [--players P,...] [--parallel N] [--json F] [--html F] [--timeout S]

  --video    a video of the library (default ${DEFAULTS.video}: packaged first if missing)
  --traces   traces (names under media/traces/, files or folders), replayed in real time
             (default ${DEFAULTS.traces})
  --players  dashlab:<abr>, dashjs, hlsjs (default ${DEFAULTS.players})
  --parallel sessions at a time (default ${DEFAULTS.parallel}: on two cores more skews the
             measurements, since a starved page times its downloads late)
  --json     write every session and the summary as JSON (npm run compare's shape)
  --html     write the report (npm run compare's, with simulated against measured QoE)
  --timeout  give up on a session after this many seconds (default 3 x the video + 60)
Chromium: ${CHROMIUM} (CHROMIUM_PATH)`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string', default: DEFAULTS.video }, traces: { type: 'string', default: DEFAULTS.traces }, players: { type: 'string', default: DEFAULTS.players }, parallel: { type: 'string', default: String(DEFAULTS.parallel) }, json: { type: 'string' }, html: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) return void console.log(USAGE);
  let players: PlayerSpec[];
  try {
    players = parsePlayers(values.players!, ABR_NAMES);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1' };
  const traces = await loadTraces(values.traces!);
  // A packaged video of the library (bundled ones like pensieve-envivio are sizes only).
  const infoFile = path.join(config.mediaDir, values.video!, 'info.json');
  const packaged = () => stat(infoFile).then(() => true, () => false);
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(values.video!)) throw new UsageError(`--video ${values.video}: give the id of a video in the library`);
  if (values.video === SAMPLE_ID && !(await packaged())) {
    process.stderr.write('the library has no sample yet: packaging it first (once)...\n');
    const bar = new ProgressBar();
    await packageSample({ mediaDir: config.mediaDir, masterPath: SAMPLE_MASTER, onProgress: (p) => bar.update({ label: p.phase, percent: p.percent }) });
    bar.done();
  }
  if (!(await packaged())) throw new UsageError(`--video ${values.video}: not in the library (${config.mediaDir}); package it with npm run package -- <file> --id ${values.video}`);
  const video = await loadVideo(infoFile);
  // As npm run compare: learned is never scored on a trace its policy learned from.
  const learnedPlayer = players.find((p) => p.label === `dashlab:${LEARNED}`);
  const notLearned = learnedPlayer && learnedUnavailable({ video, traces });
  if (notLearned) throw new UsageError(`${learnedPlayer.label}: ${notLearned}`);
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as { id: string; durationS: number; segmentDurationS: number; renditions: Array<{ id: string; kind: string; bandwidth: number }> };
  const renditions = new Map(info.renditions.filter((r) => r.kind === 'video').map((r) => [r.id, r.bandwidth]));
  const timeoutS = values.timeout ? Number(values.timeout) : info.durationS * 3 + 60;
  if (!(timeoutS > 0)) throw new UsageError('--timeout: seconds, > 0');
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError('--parallel: a whole number >= 1');

  const assets = values.html ? await ensureReportAssets() : undefined;
  const dashlab = await createDashlabServer(config, { log: createLogger(process.env.LOG_LEVEL ?? 'warn') });
  const url = await dashlab.listen();
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
  } catch (err) {
    await dashlab.close();
    throw new Error(`could not start Chromium at ${CHROMIUM} (${(err as Error).message.split('\n')[0]}); install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const post = async (path: string, body: string, method = 'POST', type = 'application/json') => {
    const res = await fetch(url + path, { method, body, headers: { 'content-type': type } });
    const j = (await res.json()) as { id?: string; error?: string };
    if (!res.ok) throw new Error(`${method} ${path}: ${j.error}`);
    return j;
  };
  const known = new Set(((await (await fetch(`${url}/api/traces`)).json()) as Array<{ name: string }>).map((t) => t.name));
  const measured: Array<{ trace: LoadedTrace; session: MeasuredSession; linkStartMs: number }> = [];
  const t0 = Date.now();
  const jobs = traces.flatMap((trace) => players.map((player) => ({ trace, player })));
  console.log(`compare:browser: ${players.length} players x ${traces.length} traces on ${info.id} (${info.durationS} s), ${parallel} at a time, in real time (about ${Math.ceil((Math.ceil(jobs.length / parallel) * (info.durationS + 35)) / 60)} min)`);
  const bar = new ProgressBar();
  const total = jobs.length;
  let done = 0;
  const tick = setInterval(() => bar.update({ label: `${done}/${total} sessions, ${Math.round((Date.now() - t0) / 1000)} s`, percent: (done / total) * 100 }), 1000);
  try {
    // The shaper replays traces it knows by name; others are uploaded to it first.
    const shaperName = new Map<LoadedTrace, string>();
    for (const tr of traces) {
      let name = tr.name.toLowerCase();
      if (!known.has(name)) {
        name = `cmp-${name.replace(/[^a-z0-9._-]/g, '-')}`.slice(0, 64);
        await post(`/api/traces?name=${encodeURIComponent(name)}`, await readFile(tr.file, 'utf8'), 'POST', 'text/plain');
      }
      shaperName.set(tr, name);
    }
    const worker = async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        // A new link starts the trace from its beginning, now (within the request: its midpoint).
        const asked = Date.now();
        const link = (await post('/api/links', JSON.stringify({ profile: `trace-${shaperName.get(job.trace)}` }))).id!;
        const linkStartMs = (asked + Date.now()) / 2;
        const session = await playSession({ browser: browser!, baseUrl: url, videoId: info.id, linkId: link, player: job.player, renditions, segmentS: info.segmentDurationS, segmentCount: video.sim.segments ?? video.sim.sizes[0].length, timeoutS });
        await fetch(`${url}/api/links/${link}`, { method: 'DELETE' });
        measured.push({ trace: job.trace, session, linkStartMs });
        done++;
        if (session.error) process.stderr.write(`\n  ${session.player} on ${job.trace.name}: ${session.error}\n`);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    clearInterval(tick);
    bar.done();
    console.log(`${measured.length} sessions in ${Math.round((Date.now() - t0) / 1000)} s`);
  } finally {
    clearInterval(tick);
    await browser.close();
    await dashlab.close();
  }
  // Sessions finish out of order: report them by trace, then player, as given.
  measured.sort((a, b) => traces.indexOf(a.trace) - traces.indexOf(b.trace) || players.findIndex((p) => p.label === a.session.player) - players.findIndex((p) => p.label === b.session.player));

  // Results in npm run compare's shape; the player's label stands for the algorithm.
  const results: CompareResult['results'] = measured.map(({ trace, session: s }) => ({
    algo: s.player,
    trace: trace.name,
    qoe: s.qoe,
    bitrateKbps: s.bitrateKbps,
    rebufferS: s.rebufferS,
    rebufferRatio: s.rebufferRatio,
    switches: s.switches,
    startupS: s.startupS,
    // Beyond npm run compare's fields: what was played, kbit/s per segment.
    played: s.played,
    timeline: s.timeline,
  }));
  const summary = players.map((p) => summarise(p.label, results.filter((r) => r.algo === p.label))).sort((a, b) => b.meanQoe - a.meanQoe);
  const result: CompareResult = { model: 'browser', video: info.id, traces: traces.map((t) => t.name), results, summary };

  // Our algorithms: the simulator on the same trace and video, beside the measurement.
  const simulated = measured
    .filter(({ session }) => session.player.startsWith('dashlab:'))
    .map(({ trace, session, linkStartMs }) => {
      const startS = Math.max(0, ((session.firstSegmentAtMs ?? linkStartMs) - linkStartMs) / 1000);
      const s = simulatedCounterpart({ algo: session.player.slice('dashlab:'.length), trace: trace.trace, video, rttMs: session.meanTtfbMs, startS });
      return { algo: session.player, trace: trace.name, simulatedQoe: s.at.qoe, simulatedQoeRange: s.range, measuredQoe: session.qoe, simBitrateKbps: s.at.bitrateKbps, measuredBitrateKbps: session.bitrateKbps, simRebufferS: s.at.rebufferS, measuredRebufferS: session.rebufferS, ttfbMs: session.meanTtfbMs, startS };
    });

  printCompareTable(result, `measured in Chromium, video ${result.video}, ${result.traces.length} trace${result.traces.length === 1 ? '' : 's'}`, 'player');
  printNetworkTable(result);
  if (simulated.length) {
    console.log('\nour algorithms: simulated (dashlab model) against measured, per trace');
    console.log(`(simulated from the trace time the session's first segment was requested at, with its mean time to first byte as the RTT; the range: started up to ${PHASE_BAND_S} s earlier or later)`);
    console.log(`${'player'.padEnd(22)}${'trace'.padEnd(18)}${'start s'.padStart(8)}${'QoE sim'.padStart(9)}${'range'.padStart(16)}${'measured'.padStart(10)}${'kbit/s sim'.padStart(12)}${'measured'.padStart(10)}${'rebuf s sim'.padStart(13)}${'measured'.padStart(10)}${'ttfb ms'.padStart(9)}`);
    for (const s of simulated) {
      const range = `${s.simulatedQoeRange[0].toFixed(1)}..${s.simulatedQoeRange[1].toFixed(1)}`;
      console.log(`${s.algo.padEnd(22)}${s.trace.padEnd(18)}${s.startS.toFixed(2).padStart(8)}${s.simulatedQoe.toFixed(2).padStart(9)}${range.padStart(16)}${s.measuredQoe.toFixed(2).padStart(10)}${s.simBitrateKbps.toFixed(0).padStart(12)}${s.measuredBitrateKbps.toFixed(0).padStart(10)}${s.simRebufferS.toFixed(2).padStart(13)}${s.measuredRebufferS.toFixed(2).padStart(10)}${s.ttfbMs.toFixed(0).padStart(9)}`);
    }
    const gaps = simulated.map((s) => Math.abs(s.measuredQoe - s.simulatedQoe));
    const within = simulated.filter((s) => s.measuredQoe >= s.simulatedQoeRange[0] - 0.01 && s.measuredQoe <= s.simulatedQoeRange[1] + 0.01).length;
    console.log(`mean |measured - simulated| QoE: ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(2)}; measured within the simulated range: ${within} of ${simulated.length}`);
  }
  const incomplete = measured.filter((m) => m.session.error);
  // Stops with media buffered are this machine's (decoding), not the network's: said, not scored.
  const starved = measured.filter((m) => m.session.starvedS >= 0.05).map((m) => ({ player: m.session.player, trace: m.trace.name, seconds: m.session.starvedS }));
  const starvedNotes = starved.map((s) => `${s.player} on ${s.trace}: playback stopped ${s.seconds.toFixed(1)} s with media buffered (this machine decoded too slowly; not counted as rebuffering)`);
  if (starved.length) console.log(`\nwarning: ${starvedNotes.join('\nwarning: ')}\n(run fewer sessions at a time, e.g. --parallel 1, to leave the decoder more CPU)`);
  if (values.json) {
    const slim = { ...result, results: results.map(({ timeline: _t, ...rest }) => rest), simulated, incomplete: incomplete.map((m) => ({ player: m.session.player, trace: m.trace.name, error: m.session.error })), starved };
    await writeFile(values.json, JSON.stringify(slim, null, 2) + '\n');
    console.log(`wrote ${values.json}`);
  }
  if (values.html && assets) {
    const notes = [
      `Each player played the whole video once per trace in headless Chromium, ${parallel} session${parallel === 1 ? '' : 's'} at a time, each on its own shaped link replaying the trace from its start in real time; audio segments share the link, as in any player.`,
      'QoE is computed from what each page downloaded (the last download of each segment is the one played) and the stalls it reported, with the declared bandwidth of each rendition.',
      ...incomplete.map((m) => `${m.session.player} on ${m.trace.name}: ${m.session.error} (scored on what it played)`),
      ...starvedNotes,
    ];
    const data = buildReportData({
      title: `Browser comparison: ${info.id}`,
      result,
      traces,
      simulated: simulated.map(({ algo, trace, simulatedQoe, measuredQoe, simulatedQoeRange, startS }) => ({ algo, trace, simulatedQoe, measuredQoe, simulatedQoeRange, startS })),
      notes,
    });
    await writeFile(values.html, reportPage(data, assets));
    console.log(`wrote ${values.html}`);
  }
  if (incomplete.length === measured.length) throw new Error('no session finished: see the errors above');
}

/** How far either side of the measured start the simulated range looks (timing jitter of a real session is of this order). */
const PHASE_BAND_S = 0.5;

/**
 * The simulated counterpart of a measured session: the dashlab model from the trace time the
 * session's first segment was requested at (the link starts its trace when it is made, the
 * page loads before it plays), with the session's mean time to first byte as the RTT (request
 * overhead the model would not otherwise charge). One session on a changeable link swings
 * with tenths of a second (a download that ends just before or after a drop), so the QoE is
 * also given over starts PHASE_BAND_S either side, every 50 ms: the range a measurement of
 * the same session could fall in.
 */
function simulatedCounterpart(o: { algo: string; trace: Trace; video: Awaited<ReturnType<typeof loadVideo>>; rttMs: number; startS: number }): { at: SessionMetrics; range: [number, number] } {
  const run = (startS: number) => {
    const r = simulateSession({ algo: o.algo, trace: startS > 0 ? rotateTrace(o.trace, startS) : o.trace, rttMs: o.rttMs, video: o.video.sim, policy: o.video.policy });
    return sessionMetrics(r.segments.map((s) => o.video.sim.bitrates[s.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * o.video.sim.segmentS);
  };
  const at = run(o.startS);
  let lo = at.qoe;
  let hi = at.qoe;
  for (let d = -PHASE_BAND_S; d <= PHASE_BAND_S + 1e-9; d += 0.05) {
    if (o.startS + d < 0) continue;
    const q = run(o.startS + d).qoe;
    lo = Math.min(lo, q);
    hi = Math.max(hi, q);
  }
  return { at, range: [lo, hi] };
}

main().catch((err) => {
  process.stderr.write(`dashlab compare:browser: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
