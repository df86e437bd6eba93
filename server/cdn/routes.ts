/**
 * The CDN tier's routes in the origin: CDN-mode manifests (manifest.ts) in front of the media
 * handler, the steering server (/cdn/steering), the HTTP redirector (/cdn/route/...), the
 * tier's state (GET /api/cdn), edge controls (POST /api/cdn/edges/<id>/stop|start), and the
 * /cdn page. Given to createOrigin as its extension by the composition root (scripts/cdn.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { readFile } from 'node:fs/promises';
import express from 'express';
import { cmcdOfRequest } from '../../core/cdn/cmcd.js';
import { readSteeringRequest, STEERING_QUERY, type SteeringManifest } from '../../core/mpd/steering.js';
import { requireWriteAccess } from '../api/auth.js';
import type { OriginExtension } from '../app.js';
import { evaluate } from '../conditional-get/index.js';
import type { MediaCatalog } from '../media/catalog.js';
import { CORS_HEADERS } from '../media/content-type.js';
import { parseMediaPath } from '../media/handler.js';
import { cdnPage } from '../pages/cdn-page.js';
import { cdnManifest, cdnPlaylist, isCdnMode, type CdnMode } from './manifest.js';
import type { LinkProfile } from '../shaper/profiles.js';
import { FORWARD_HEADERS } from '../shaper/shaper.js';
import type { CdnTier } from './tier.js';

const LOC = /^[A-Za-z0-9._-]{1,64}$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface CdnRoutesOptions {
  tier: CdnTier;
  /** The origin as viewers reach it, e.g. http://127.0.0.1:8080. */
  originUrl: string;
  host: string;
  uploadToken?: string;
  /** A link profile from its spec (the shaper's: traces included); throws a ProfileError. */
  profileOf: (spec: string) => LinkProfile;
}

/** The origin's extension for a CDN tier. */
export function cdnExtension(o: CdnRoutesOptions): OriginExtension {
  return {
    wrapMedia: (next, catalog) => manifestHandler(o, catalog, next),
    onMediaResponse: (info, req) => o.tier.onOriginResponse(info, req),
    metricsText: () => o.tier.metricsText(),
    routes: cdnRouter(o),
  };
}

/** /media/<id>/manifest.mpd and master.m3u8 in the mode asked for (?cdn=, steering by default); everything else as packaged. */
function manifestHandler(o: CdnRoutesOptions, catalog: MediaCatalog, next: http.RequestListener): http.RequestListener {
  const made = new Map<string, { text: string; etag: string }>();
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = parseMediaPath(url.pathname);
    const mode = url.searchParams.get('cdn') ?? 'steering';
    const loc = url.searchParams.get('loc') ?? undefined;
    // Through a shaped link (/net/...), the manifest as packaged: its segments stay on the link.
    const viaLink = req.headers[FORWARD_HEADERS.link] !== undefined;
    const hls = !('error' in p) && p.name === 'master.m3u8';
    if ('error' in p || (p.name !== 'manifest.mpd' && !hls) || (req.method !== 'GET' && req.method !== 'HEAD') || mode === 'origin' || viaLink) return next(req, res);
    const file = catalog.get(p.id, p.name);
    const bad = !isCdnMode(mode) ? `cdn must be steering, redirect, client or origin` : loc !== undefined && !LOC.test(loc) ? 'loc: letters, digits, . _ -' : undefined;
    if (bad || !file) {
      res.writeHead(bad ? 400 : 404, { ...CORS_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(`${bad ?? 'not found'}\n`);
      return;
    }
    void (async () => {
      const priority = o.tier.priority({ loc });
      const key = `${p.name}|${p.id}|${file.identity.etag}|${mode}|${loc}|${priority[0]}`;
      let m = made.get(key);
      if (!m) {
        const packaged = (file.identity.body ?? (await readFile(file.path))).toString('utf8');
        const steeringUrl = `${o.originUrl}/cdn/steering?video=${encodeURIComponent(p.id)}${loc ? `&loc=${encodeURIComponent(loc)}` : ''}`;
        const edges = o.tier.edges.map((e) => ({ id: e.spec.id, url: o.tier.urlOf(e) }));
        const input = { mode: mode as Exclude<CdnMode, 'origin'>, videoId: p.id, originUrl: o.originUrl, edges, steeringUrl, defaultServiceLocation: priority[0], loc };
        const text = hls ? cdnPlaylist(packaged, input) : cdnManifest(packaged, input);
        m = { text, etag: `"cdn-${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"` };
        if (made.size > 500) made.clear();
        made.set(key, m);
      }
      const size = Buffer.byteLength(m.text);
      const decision = evaluate(req.method ?? 'GET', req.headers, { etag: m.etag, lastModifiedMs: file.lastModifiedMs, size });
      const headers = { ...CORS_HEADERS, 'Content-Type': hls ? 'application/vnd.apple.mpegurl' : 'application/dash+xml', 'Cache-Control': 'no-cache', ETag: m.etag, 'Last-Modified': new Date(file.lastModifiedMs).toUTCString() };
      const status = decision.status === 304 || decision.status === 412 ? decision.status : 200;
      const body = status === 200 && req.method !== 'HEAD' ? m.text : undefined;
      res.writeHead(status, status === 200 ? { ...headers, 'Content-Length': size } : headers).end(body);
      o.tier.onOriginResponse({ status, bytes: body ? size : 0, range: false, notModified: status === 304 }, req);
    })().catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`could not make the CDN manifest: ${(err as Error).message}\n`);
    });
  };
}

/**
 * What a client says of the pathways it used: dash.js's `_DASH_throughput` per pathway (it
 * reports only what it measured); where it gives none for the pathway it is on (the first it
 * names), the throughput of its CMCD (`mtp`, which our player sends with its steering requests).
 */
function reportedBy(q: URLSearchParams, url: string): Array<{ pathway: string; bps?: number }> {
  // An HLS client's _HLS_throughput is its estimate, measured or not: hls.js sends its 500
  // kbit/s default before its first segment, which would steer it off a good edge at once.
  const hls = !q.has(STEERING_QUERY.pathway);
  const reported = readSteeringRequest(q).map((r) => (hls ? { pathway: r.pathway } : r));
  const mtp = cmcdOfRequest(url)?.mtp;
  if (reported[0] && !reported[0].bps && mtp) reported[0] = { ...reported[0], bps: mtp * 1000 };
  return reported;
}

function cdnRouter(o: CdnRoutesOptions): express.Router {
  const { tier } = o;
  const r = express.Router();
  const writeAccess = requireWriteAccess({ host: o.host, token: o.uploadToken });

  r.get('/api/cdn', async (_req, res) => {
    await tier.poll();
    res.set('Cache-Control', 'no-store').json(tier.snapshot(o.originUrl));
  });

  // An edge stopped (as a crash: kill -9) or started again, to watch steering and players cope.
  r.post('/api/cdn/edges/:id/:action', writeAccess, async (req, res) => {
    const edge = tier.edge(String(req.params.id));
    const action = String(req.params.action);
    if (!edge) return void res.status(404).json({ error: `no edge "${req.params.id}"` });
    if (action !== 'stop' && action !== 'start') return void res.status(404).json({ error: 'POST /api/cdn/edges/<id>/stop or /start' });
    try {
      if (action === 'stop') await edge.nginx.kill();
      else if (!edge.nginx.running) await edge.nginx.start();
      await tier.poll();
      res.json({ id: edge.spec.id, up: edge.up });
    } catch (err) {
      res.status(500).json({ error: (err as Error).message });
    }
  });

  // An edge's link to its viewers changed, live (every viewer's link at once).
  r.put('/api/cdn/edges/:id', writeAccess, express.json({ limit: '4kb' }), (req, res) => {
    const edge = tier.edge(String(req.params.id));
    if (!edge) return void res.status(404).json({ error: `no edge "${req.params.id}"` });
    const spec = (req.body as { profile?: unknown } | undefined)?.profile;
    if (typeof spec !== 'string' || !spec) return void res.status(400).json({ error: 'send { "profile": "<spec>" }, e.g. { "profile": "far" } or { "profile": "2mbps-80ms" }' });
    try {
      edge.front.setProfile(o.profileOf(spec));
    } catch (err) {
      return void res.status(400).json({ error: (err as Error).message });
    }
    res.json({ id: edge.spec.id, link: edge.front.profile.spec, rateKbps: Math.round(edge.front.rateKbps()) });
  });

  // DASH-IF Content Steering: the priority for this client, asked again every TTL.
  r.get('/cdn/steering', (req, res) => {
    const q = new URLSearchParams(req.url.split('?')[1] ?? '');
    const loc = q.get('loc') ?? undefined;
    const given = q.get('session');
    const session = given && LOC.test(given) ? given : randomUUID().slice(0, 8);
    const reload = new URL(`${o.originUrl}/cdn/steering`);
    for (const k of ['video', 'loc']) if (q.get(k)) reload.searchParams.set(k, q.get(k)!);
    reload.searchParams.set('session', session);
    tier.steeringRequests++;
    const body: SteeringManifest = {
      VERSION: 1,
      TTL: tier.opts.steeringTtlS,
      'RELOAD-URI': reload.toString(),
      'PATHWAY-PRIORITY': tier.priority({ loc: loc && LOC.test(loc) ? loc : undefined, reported: reportedBy(q, req.url), session }),
    };
    res.set({ ...CORS_HEADERS, 'Cache-Control': 'no-store' }).json(body);
  });

  // HTTP redirection: every request answered with a 302 to the edge for the client's location.
  r.get('/cdn/route/:loc/media/:id/:file', (req, res) => {
    const { loc, id, file } = req.params as Record<string, string>;
    if (!LOC.test(loc) || !FILE.test(file) || file.includes('..') || !LOC.test(id)) return void res.status(400).set(CORS_HEADERS).type('text').send('bad request\n');
    const edge = tier.routeTo(loc);
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const target = edge ? `${tier.urlOf(edge)}/media/${id}/${file}${query}` : `${o.originUrl}/media/${id}/${file}${query}`;
    res.status(302).set({ ...CORS_HEADERS, Location: target, 'Cache-Control': 'no-store' }).end();
  });

  r.get('/cdn', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').send(cdnPage({ edges: tier.edges.map((e) => ({ id: e.spec.id, url: tier.urlOf(e), link: e.front.profile.spec })) }));
  });
  return r;
}
