/**
 * npm run live -- --id ID (--input FILE [--loop] | --testsrc | --listen URL)
 *
 * A live channel from the command line: ffmpeg encodes the live ladder in real time into
 * MEDIA_DIR/.live/ID, and the origin serves it at /live/ID/manifest.mpd (DASH, low latency)
 * and /live/ID/master.m3u8 (HLS), watched at /watch/ID. When no origin answers on PORT this
 * process serves it too (one process, no sample packaging); when `npm start` already runs on
 * the same MEDIA_DIR, that origin serves it. Ctrl-C ends the channel: the MPD then says the
 * stream is over, so players stop instead of waiting. The composition root of that process.
 */
import { parseArgs } from 'node:util';
import { createOrigin } from '../server/app.js';
import { ensureMediaDir, loadConfig } from '../server/config.js';
import { Channels } from '../server/live/channels.js';
import { LIVE_DEFAULTS } from '../server/live/defaults.js';
import { ChannelError } from '../server/live/sources.js';
import { createLogger } from '../server/log.js';
import { fail } from './lib/cli.js';

const USAGE = 'usage: npm run live -- --id ID (--input FILE [--loop] | --testsrc | --listen rtmp://127.0.0.1:1935/live/KEY | --listen srt://127.0.0.1:9000)';

function usage(message: string): never {
  process.stderr.write(`live: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function originAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/channels`, { signal: AbortSignal.timeout(1500) })).ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { id: { type: 'string' }, input: { type: 'string' }, loop: { type: 'boolean' }, testsrc: { type: 'boolean' }, listen: { type: 'string' } }, allowPositionals: false });
  } catch (err) {
    usage((err as Error).message);
  }
  const v = args.values;
  if (!v.id) usage('--id is required');
  const given = [v.input, v.testsrc, v.listen].filter(Boolean).length;
  if (given !== 1) usage('give exactly one source: --input FILE, --testsrc or --listen URL');
  const source = v.testsrc ? 'testsrc' : v.input ? `file:${v.input}` : `listen:${v.listen}`;

  const config = { ...loadConfig(), workers: 1 };
  await ensureMediaDir(config.mediaDir);
  const base = `http://127.0.0.1:${config.port}`;
  const log = createLogger();
  // Serve it here unless an origin already answers on PORT.
  const origin = (await originAnswers(base)) ? undefined : await createOrigin(config, { log });
  const url = origin ? await origin.listen() : base;
  process.stderr.write(origin ? `live: serving ${config.mediaDir} on ${url}\n` : `live: the origin at ${url} serves the channel (it must use the same MEDIA_DIR: ${config.mediaDir})\n`);

  const channels = new Channels(config.mediaDir, (line) => process.stderr.write(`live: ${line}\n`), config.liveWindowS);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nlive: ${why}: ending the channel (its MPD will say so)...\n`);
    await channels.stopAll();
    await origin?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const ladder = LIVE_DEFAULTS.ladder.map((r) => `${r.height}p ${r.kbps}k`).join(', ');
  process.stderr.write(`live: starting ${v.id} from ${source} (${ladder}; ${LIVE_DEFAULTS.segmentS} s segments of ${LIVE_DEFAULTS.chunkS} s chunks)\n`);
  const { state, live } = await channels.start({ id: v.id, source, loop: Boolean(v.loop) }, { timeUrl: '/api/time', anyPath: true });
  if (state.ingest) process.stderr.write(`live: send your stream to ${state.ingest} (OBS: Settings > Stream > Custom)\n`);
  process.stderr.write(`live: ${live ? 'on the air' : 'waiting for the source'}:\n  watch  ${url}/watch/${state.id}\n  DASH   ${url}/live/${state.id}/manifest.mpd\n  HLS    ${url}/live/${state.id}/master.m3u8\n  Ctrl-C ends it\n`);
  // Progress while it runs: the newest segment and how it goes.
  const timer = setInterval(async () => {
    const s = await channels.get(state.id);
    if (!s) return;
    if (s.status === 'live') process.stderr.write(`live: ${s.id}: segment ${s.newest ?? 0} (${(((s.newest ?? 0) * s.segmentS) / 60).toFixed(1)} min on the air)\n`);
    else if (s.status !== 'waiting' && s.status !== 'starting') {
      clearInterval(timer);
      process.stderr.write(`live: ${s.id} ${s.status}${s.error ? `: ${s.error}` : ''}\n`);
      await origin?.close();
      process.exit(s.status === 'failed' ? 1 : 0);
    }
  }, 10_000);
}

main().catch((err) => (err instanceof ChannelError ? usage(err.message) : fail('live', err)));
