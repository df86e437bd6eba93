/**
 * The ABR lab in the web UI: GET /reports (a form) and GET /reports/view?video=&traces=
 * &algos=&model=[&trace=] (runs the comparison in the simulator, answers the report page).
 * Only library ids, bundled videos and trace names under media/traces/ are accepted: no paths.
 */
import express from 'express';
import { ABR_NAMES, DEFAULT_ABR, LIVE_ABR_NAMES } from '../../core/abr/registry.js';
import { CompareInputError, LEARNED, learnedUnavailable, OFFLINE_OPTIMAL, resolveAlgos, runComparison } from '../../lab/compare/compare.js';
import { buildReportData } from '../../lab/report/report-data.js';
import type { MediaCatalog } from '../media/catalog.js';
import { loadReportAssets, reportPage } from '../../lab/report/report-page.js';
import { reportsPage } from '../pages/reports-page.js';
import { sendPageError } from '../pages/error-page.js';
import { listBundledVideos, listShippedTraces, loadTraces, loadVideo, UsageError } from '../../lab/inputs.js';

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

export function reportsRouter(opts: { catalog: MediaCatalog; mediaDir: string }): express.Router {
  const router = express.Router();
  // One comparison at a time per process: each is CPU work of up to a few seconds.
  let queue: Promise<unknown> = Promise.resolve();

  router.get('/reports', async (_req, res, next) => {
    try {
      const videos = [...(await listBundledVideos()).map((id) => ({ id, title: id })), ...opts.catalog.list().map((v) => ({ id: v.id, title: v.title }))];
      res.set('Cache-Control', 'no-cache').type('html').send(reportsPage({ videos, traces: await listShippedTraces(), algos: [...ABR_NAMES], defaultAlgo: DEFAULT_ABR, yardstick: OFFLINE_OPTIMAL, byName: { ...Object.fromEntries(LIVE_ABR_NAMES.map((a) => [a, 'for the live model'])), 'dashlab-ssim': 'plans on SSIM' } }));
    } catch (err) {
      next(err);
    }
  });

  router.get('/reports/view', async (req, res, next) => {
    const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : undefined);
    const bad = (msg: string) => sendPageError(req, res, 400, msg);
    const video = q('video') ?? '';
    const traces = q('traces') ?? '';
    const model = q('model') ?? 'dashlab';
    const trace = q('trace');
    if (!NAME.test(video) || video.endsWith('.json')) return bad('give ?video=<library id or bundled video>');
    if (!traces) return bad('give ?traces=<trace or folder name under media/traces/>');
    if (model !== 'dashlab' && model !== 'pensieve' && model !== 'live') return bad('model is dashlab, pensieve or live');
    let algos: string[];
    try {
      algos = resolveAlgos(q('algos') || 'all', model);
    } catch (err) {
      return bad((err as Error).message);
    }
    if (!algos.length) return bad('choose at least one algorithm');
    const learnedAsked = (q('algos') ?? '').split(',').includes(LEARNED);
    const job = queue.then(async () => {
      const v = await loadVideo(video, opts.mediaDir);
      const tr = await loadTraces(traces, { shippedOnly: true });
      if (trace && !tr.some((t) => t.name === trace)) throw new UsageError(`trace ${trace} is not in ${traces}`);
      // No training here (it would hold the event loop ~10 s): the video's own policy or nothing.
      // Asked by name, an unavailable `learned` is an error; as part of "all" it is left out.
      const why = algos.includes(LEARNED) ? learnedUnavailable({ video: v, traces: tr }) : undefined;
      if (why && learnedAsked) throw new CompareInputError(`${LEARNED}: ${why}`);
      const result = await runComparison({ model, video: v, traces: tr, algos: why ? algos.filter((a) => a !== LEARNED) : algos });
      const data = buildReportData({ title: `ABR comparison: ${v.name} on ${traces}`, result, traces: tr, chosenTrace: trace, notes: why ? [`${LEARNED} left out: ${why}`] : undefined });
      return reportPage(data, await loadReportAssets());
    });
    queue = job.catch(() => undefined);
    try {
      res.set('Cache-Control', 'no-cache').type('html').send(await job);
    } catch (err) {
      const msg = (err as Error).message.replace(/^--(video|traces) /, '$1 ');
      if (err instanceof UsageError || err instanceof CompareInputError) return sendPageError(req, res, 400, msg);
      next(err);
    }
  });
  return router;
}
