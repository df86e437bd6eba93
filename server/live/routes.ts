/**
 * The channels API: GET /api/channels (every channel, from disk), GET /api/channels/:id,
 * POST /api/channels { id, source, loop? } (201 once the first segment exists, 202 while it
 * waits for its encoder or is slow to start; the same token rules as uploads), and
 * DELETE /api/channels/:id (stops its ffmpeg; the MPD then says the stream is over).
 */
import express, { type RequestHandler } from 'express';
import { LIVE_DEFAULTS } from './defaults.js';
import type { Channels } from './channels.js';
import { ChannelError } from './sources.js';
import type { ChannelState } from './state.js';

/** What the API says of a channel: its state and where to watch it. */
export function publicChannel(s: ChannelState) {
  const base = `/live/${s.id}`;
  return {
    id: s.id,
    status: s.status,
    source: s.source,
    ingest: s.ingest,
    error: s.error,
    manifest: `${base}/manifest.mpd`,
    hls: `${base}/master.m3u8`,
    watch: `/watch/${s.id}`,
    createdAt: new Date(s.createdMs).toISOString(),
    availabilityStartTime: s.astMs === undefined ? undefined : new Date(s.astMs).toISOString(),
    endedAt: s.endedMs === undefined ? undefined : new Date(s.endedMs).toISOString(),
    segmentS: s.segmentS,
    chunkS: s.chunkS,
    windowS: s.windowS,
    targetLatencyS: LIVE_DEFAULTS.targetLatencyS,
    newestSegment: s.newest,
    ladder: s.video.map((r) => ({ id: r.id, width: r.width, height: r.height, kbps: r.kbps })),
  };
}

export function channelRoutes(channels: Channels, writeAccess: RequestHandler): express.Router {
  const r = express.Router();
  const failed = (res: express.Response, err: unknown) => {
    if (err instanceof ChannelError) return void res.status(err.status).json({ error: err.message });
    res.status(500).json({ error: `the channel could not start: ${(err as Error).message}` });
  };
  r.get('/api/channels', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ channels: (await channels.list()).map(publicChannel) });
  });
  r.get('/api/channels/:id', async (req, res) => {
    const s = await channels.get(String(req.params.id));
    if (!s) return void res.status(404).json({ error: `no channel "${req.params.id}"` });
    res.set('Cache-Control', 'no-store').json(publicChannel(s));
  });
  r.post('/api/channels', writeAccess, express.json({ limit: '8kb' }), async (req, res) => {
    const body = (req.body ?? {}) as { id?: unknown; source?: unknown; loop?: unknown };
    try {
      const { state, live } = await channels.start({ id: body.id as string, source: body.source as string, loop: body.loop !== false }, { timeUrl: '/api/time' });
      res.status(live ? 201 : 202).location(`/api/channels/${state.id}`).json(publicChannel(state));
    } catch (err) {
      failed(res, err);
    }
  });
  r.delete('/api/channels/:id', writeAccess, async (req, res) => {
    const s = await channels.stop(String(req.params.id));
    if (!s) return void res.status(404).json({ error: `no channel "${req.params.id}"` });
    res.json(publicChannel(s));
  });
  return r;
}
