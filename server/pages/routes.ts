/**
 * The pages' routes: the library (/), the player (/watch/<id>, /watch?src=), players side by
 * side (/compare). Each request a page cannot serve gets a page that says why, with the ways
 * on (error-page.ts), or, for /compare, the setup form with the reason.
 */
import express, { type Request, type Response } from 'express';
import { ABR_NAMES, DEFAULT_ABR } from '../../core/abr/registry.js';
import { FAVICON_SVG } from '../../core/html.js';
import { checkSource } from '../../core/mpd/offer-sources.js';
import { CDN_MODES, isCdnMode } from '../cdn/manifest.js';
import { ENGINE_NAMES, isEngine, OUR_ENGINE, parsePlayerList, type EngineName } from '../../core/players.js';
import type { JobControl } from '../jobs/job-control.js';
import { publicJob } from '../jobs/public-job.js';
import type { MediaCatalog } from '../media/catalog.js';
import { profileDescriptions, profileSyntaxError } from '../shaper/profiles.js';
import { comparePage } from './compare-page.js';
import { compareSetupPage, DEFAULT_COMPARE_NET, DEFAULT_COMPARE_PLAYERS } from './compare-setup-page.js';
import { sendPageError } from './error-page.js';
import { jobsToShow, libraryPage } from './library-page.js';
import { watchPage } from './watch-page.js';
import { CHANNEL_ID } from '../live/defaults.js';
import { listStates, readState } from '../live/state.js';

/** A link profile or link id as a page may carry it in its query. */
const PROFILE = /^[A-Za-z0-9._-]{1,100}$/;
const LINK_ID = /^[A-Za-z0-9-]{1,64}$/;
const query = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);

export function pageRoutes(opts: { catalog: MediaCatalog; jobs: JobControl; tokenRequired: boolean; mediaDir: string }): express.Router {
  const { catalog, jobs } = opts;
  const r = express.Router();
  const html = (res: Response, status: number, body: string) => void res.status(status).set('Cache-Control', 'no-cache').type('html').send(body);

  r.get('/', async (_req, res) => {
    const channels = (await listStates(opts.mediaDir)).map((c) => ({ id: c.id, status: c.status, source: c.source, ingest: c.ingest, error: c.error }));
    html(res, 200, libraryPage(catalog.list(), { tokenRequired: opts.tokenRequired, jobs: jobsToShow(jobs.list().map(publicJob)), channels }));
  });

  r.get('/watch/:id', async (req, res) => {
    const id = String(req.params.id);
    const v = catalog.video(id);
    // A live channel: the same page on its dynamic MPD and live playlist.
    const channel = v || !CHANNEL_ID.test(id) ? undefined : await readState(opts.mediaDir, id);
    if (channel) return watch(req, res, { src: `/live/${id}/manifest.mpd`, title: `${id} (live)`, hls: `/live/${id}/master.m3u8` });
    if (v) {
      // A CDN tier's mode (npm run cdn): the manifest asked for in it, with the viewer's location.
      const cdn = query(req, 'cdn');
      const loc = query(req, 'loc');
      if (cdn !== undefined && !isCdnMode(cdn)) return sendPageError(req, res, 400, `cdn must be ${CDN_MODES.join(', ')}`);
      if (loc !== undefined && !PROFILE.test(loc)) return sendPageError(req, res, 400, 'loc: an edge id or link name (letters, digits, . _ -)');
      const q = new URLSearchParams({ ...(cdn ? { cdn } : {}), ...(loc ? { loc } : {}) }).toString();
      return watch(req, res, { src: `/media/${v.id}/manifest.mpd${q ? `?${q}` : ''}`, title: v.title, hls: `/media/${v.id}/master.m3u8${q ? `?${q}` : ''}`, cdn });
    }
    // Not published (yet): a link shared before its packaging ended says how that goes.
    const job = jobs.list().find((j) => j.videoId === id); // newest first
    if (job?.state === 'queued' || job?.state === 'running') {
      const how = job.state === 'queued' ? 'waiting for the packager' : `${job.phase ?? 'starting'} ${Math.round(job.progress)}%`;
      return sendPageError(req, res, 503, `"${id}" is being packaged (${how}): this page plays it once it is ready`, { refreshS: 5 });
    }
    if (job?.state === 'failed') return sendPageError(req, res, 404, `"${id}" was not published: its packaging failed (${job.error})`);
    sendPageError(req, res, 404, `no video "${id}"`);
  });

  r.get('/watch', (req, res) => {
    const src = String(req.query.src ?? '');
    if (!/^https?:\/\//.test(src) && !src.startsWith('/')) return sendPageError(req, res, 400, 'give the manifest as ?src=<MPD URL>');
    watch(req, res, { src, title: src.split('/').pop() || src, hls: query(req, 'hls') });
  });

  r.get('/compare', (req, res) => compare(req, res, catalog, opts.mediaDir));
  // Only an origin started by npm run cdn has the CDN tier's page (its routes come first); here, the way to it.
  r.get('/cdn', (req, res) => sendPageError(req, res, 404, 'this server runs without a CDN tier: start one with npm run cdn (the origin and its nginx edges), then open /cdn there'));
  // Pages carry their icon inline; this answers browsers on anything else (a manifest opened directly).
  r.get('/favicon.ico', (_req, res) => void res.set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(FAVICON_SVG));
  return r;
}

/** The watch page for a manifest, with the query's engine, algorithm, link and sources checked. */
function watch(req: Request, res: Response, page: { src: string; title: string; hls?: string; cdn?: string }): void {
  const engine = query(req, 'engine') ?? OUR_ENGINE;
  const abr = query(req, 'abr') ?? DEFAULT_ABR;
  if (!isEngine(engine)) return sendPageError(req, res, 400, `engine must be ${ENGINE_NAMES.join(', ')}`);
  if (!ABR_NAMES.includes(abr)) return sendPageError(req, res, 400, `unknown abr "${abr}"; known: ${ABR_NAMES.join(', ')}`);
  const net = query(req, 'net');
  if (net !== undefined) {
    const why = PROFILE.test(net) ? profileSyntaxError(net) : `"${net}" is not a link profile`;
    if (why) return sendPageError(req, res, 400, `net: ${why}`);
  }
  const link = query(req, 'link');
  let sources: string[] | undefined;
  const given = query(req, 'sources');
  if (given) {
    sources = given.split(',').map((x) => x.trim()).filter(Boolean);
    if (sources.length > 8) return sendPageError(req, res, 400, 'sources: at most 8');
    try {
      sources.forEach(checkSource);
    } catch (err) {
      return sendPageError(req, res, 400, (err as Error).message);
    }
    if (engine !== OUR_ENGINE) return sendPageError(req, res, 400, `sources: only our player (engine=${OUR_ENGINE}) chooses among sources`);
  }
  const codec = query(req, 'codec');
  if (codec !== undefined && codec !== 'h264' && codec !== 'av1') return sendPageError(req, res, 400, 'codec must be h264 or av1');
  const quality = query(req, 'quality');
  if (quality !== undefined && quality !== 'auto' && !/^\d{1,2}$/.test(quality)) return sendPageError(req, res, 400, 'quality must be auto or a representation index (0 is the lowest)');
  const credentials = query(req, 'credentials');
  if (credentials !== undefined && credentials !== 'omit' && credentials !== 'same-origin') return sendPageError(req, res, 400, 'credentials must be omit or same-origin');
  res.set('Cache-Control', 'no-cache').type('html').send(
    watchPage({
      ...page,
      abr,
      engine: engine as EngineName,
      abrNames: ABR_NAMES,
      net,
      link: link && LINK_ID.test(link) ? link : undefined,
      sources,
      credentials,
      embed: req.query.embed === '1',
      loop: req.query.loop === '1',
      quality: quality === undefined || quality === 'auto' ? undefined : Number(quality),
      ...(codec ? { codec: codec as 'h264' | 'av1' } : {}),
    }),
  );
}

/** Players side by side; anything it cannot play comes back as the setup form with the reason, never a dead end. */
async function compare(req: Request, res: Response, catalog: MediaCatalog, mediaDir: string): Promise<void> {
  // Live channels on the air compare as videos do (each player's page plays the channel).
  const channels = (await listStates(mediaDir)).filter((c) => c.status === 'live').map((c) => ({ id: c.id, title: `${c.id} (live)`, segmentDurationS: c.segmentS }));
  const asked = { video: query(req, 'video'), players: query(req, 'players')?.split(',').filter(Boolean), net: query(req, 'net') };
  const setup = (status: number, error?: string) =>
    void res
      .status(status)
      .set('Cache-Control', 'no-cache')
      .type('html')
      .send(compareSetupPage({ videos: [...catalog.list(), ...channels].map((v) => ({ id: v.id, title: v.title })), abrNames: ABR_NAMES, defaultAbr: DEFAULT_ABR, profiles: profileDescriptions(), ...asked, error }));
  if (!asked.video || req.query.setup !== undefined) return setup(200); // ?setup: the form, filled in
  const v = catalog.video(asked.video) ?? channels.find((c) => c.id === asked.video);
  if (!v) return setup(404, `no video "${asked.video}" in the library: choose one below`);
  let players;
  try {
    players = parsePlayerList((asked.players ?? DEFAULT_COMPARE_PLAYERS).join(','), ABR_NAMES, DEFAULT_ABR);
  } catch (err) {
    return setup(400, (err as Error).message);
  }
  if (players.length < 2 || players.length > 6) return setup(400, `compare 2 to 6 players (${players.length} asked for)`);
  const net = asked.net ?? DEFAULT_COMPARE_NET;
  if (!PROFILE.test(net) || profileSyntaxError(net)) return setup(400, `"${net}" is not a link profile: use a rate (1500kbps, 2mbps-80ms), trace-<name> or a named profile`);
  // Through a CDN tier (npm run cdn): a mode per player, or one for all; the edges' links shape them then.
  const cdn = query(req, 'cdn')?.split(',').filter(Boolean);
  if (cdn && (cdn.some((m) => !isCdnMode(m)) || (cdn.length !== 1 && cdn.length !== players.length))) return setup(400, `cdn: one of ${CDN_MODES.join(', ')}, or one per player (${players.length})`);
  // Each rendition's SSIM per segment, when the packager measured every one: QoE on SSIM on the scoreboard.
  const renditions = (catalog.video(v.id)?.renditions ?? []).filter((r) => r.kind === 'video');
  const ssim = renditions.length && renditions.every((r) => r.segmentSsim?.length) ? Object.fromEntries(renditions.map((r) => [r.bandwidth, r.segmentSsim!])) : undefined;
  res.set('Cache-Control', 'no-cache').type('html').send(comparePage({ video: v.id, title: v.title, players, net, loop: req.query.loop === '1', segmentS: v.segmentDurationS, cdn: cdn && players.map((_p, i) => cdn[cdn.length === 1 ? 0 : i]), ssim }));
}
