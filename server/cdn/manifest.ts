/**
 * The MPD as the CDN tier serves it: the packaged manifest with MPD-level BaseURLs that point
 * at the edges. One per mode (`?cdn=` on the manifest's URL):
 *  - steering (the default): a BaseURL per edge and one for the origin, each with its
 *    serviceLocation, and <ContentSteering> naming the steering server (DASH-IF Content
 *    Steering; dash.js 5 and our player follow it);
 *  - redirect: one BaseURL at the origin's router, which answers every request with a 302 to
 *    an edge (HTTP redirection, the lectures' DNS-style request routing);
 *  - client: a BaseURL per edge and no steering: the player measures them and chooses itself
 *    (player/engine/sources.ts);
 *  - origin: the manifest as packaged (no edges).
 * The packaged manifest is never changed: this is made per request (and cached by its inputs).
 */
import { DOMParser, XMLSerializer, type Node as XmlNode } from '@xmldom/xmldom';

export const CDN_MODES = ['steering', 'redirect', 'client', 'origin'] as const;
export type CdnMode = (typeof CDN_MODES)[number];
export const isCdnMode = (x: string): x is CdnMode => (CDN_MODES as readonly string[]).includes(x);

export interface CdnManifestInput {
  mode: Exclude<CdnMode, 'origin'>;
  videoId: string;
  originUrl: string;
  edges: Array<{ id: string; url: string }>;
  /** steering: the steering server's URL (with the client's location, if any). */
  steeringUrl: string;
  /** steering: the pathway to use before the first steering answer. */
  defaultServiceLocation: string;
  /** redirect: the client's location, carried in the BaseURL so every request says it. */
  loc?: string;
}

const MPD_NS = 'urn:mpeg:dash:schema:mpd:2011';

/** The manifest with the mode's BaseURLs (and ContentSteering); throws on a manifest that is not XML. */
export function cdnManifest(xml: string, o: CdnManifestInput): string {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const root = doc.documentElement;
  if (!root || root.localName !== 'MPD') throw new Error('not an MPD');
  const ns = root.namespaceURI ?? MPD_NS;
  const isElement = (n: XmlNode | null, name?: string) => Boolean(n && n.nodeType === 1 && (name === undefined || n.localName === name));
  for (const old of Array.from(root.childNodes).filter((n) => isElement(n, 'BaseURL'))) root.removeChild(old);
  // BaseURL comes after ProgramInformation (ISO 23009-1's order); ContentSteering after the BaseURLs.
  let before: XmlNode | null = root.firstChild;
  while (before && !(isElement(before) && before.localName !== 'ProgramInformation')) before = before.nextSibling;
  const add = (name: string, text: string, attrs: Record<string, string> = {}) => {
    const el = doc.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    el.appendChild(doc.createTextNode(text));
    root.insertBefore(el, before);
    root.insertBefore(doc.createTextNode('\n  '), before);
  };
  const media = (base: string) => `${base}/media/${encodeURIComponent(o.videoId)}/`;
  if (o.mode === 'redirect') {
    add('BaseURL', `${o.originUrl}/cdn/route/${encodeURIComponent(o.loc ?? 'auto')}/media/${encodeURIComponent(o.videoId)}/`, { serviceLocation: 'redirect' });
  } else {
    for (const e of o.edges) add('BaseURL', media(e.url), { serviceLocation: e.id });
    if (o.mode === 'steering') {
      add('BaseURL', media(o.originUrl), { serviceLocation: 'origin' });
      add('ContentSteering', o.steeringUrl, { defaultServiceLocation: o.defaultServiceLocation, queryBeforeStart: 'true', clientRequirement: 'true' });
    }
  }
  return new XMLSerializer().serializeToString(doc);
}

/**
 * The HLS master playlist as the CDN tier serves it (HLS Content Steering, RFC 8216bis 4.4.6.6;
 * hls.js follows it): in steering mode, every variant and rendition once per pathway (an edge,
 * then the origin), each copy with its PATHWAY-ID, its rendition groups renamed per pathway,
 * its URIs absolute at that pathway, and EXT-X-CONTENT-STEERING naming the steering server
 * (which answers HLS clients as it answers DASH ones). In redirect mode the playlists' URIs go
 * to the router (a media playlist is redirected; its segments then come from the edge it was
 * sent to). Other modes: as packaged.
 */
export function cdnPlaylist(text: string, o: CdnManifestInput): string {
  const lines = text.split(/\r?\n/);
  const media = (base: string, uri: string) => `${base}/media/${encodeURIComponent(o.videoId)}/${uri}`;
  if (o.mode === 'redirect') {
    const routed = (uri: string) => `${o.originUrl}/cdn/route/${encodeURIComponent(o.loc ?? 'auto')}/media/${encodeURIComponent(o.videoId)}/${uri}`;
    return lines.map((l) => (l && !l.startsWith('#') ? routed(l) : l.replace(/URI="([^"]+)"/, (_m, u: string) => `URI="${routed(u)}"`))).join('\n');
  }
  if (o.mode !== 'steering') return text;
  const head: string[] = [];
  const renditions: string[] = [];
  const variants: Array<[string, string]> = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('#EXT-X-MEDIA:')) renditions.push(l);
    else if (l.startsWith('#EXT-X-STREAM-INF:')) variants.push([l, lines[++i] ?? '']);
    else if (l.trim()) head.push(l);
  }
  const pathways = [...o.edges.map((e) => ({ id: e.id, base: e.url })), { id: 'origin', base: o.originUrl }];
  const out = [...head, `#EXT-X-CONTENT-STEERING:SERVER-URI="${o.steeringUrl}",PATHWAY-ID="${o.defaultServiceLocation}"`];
  for (const p of pathways) {
    const group = (g: string) => `${g}-${p.id}`;
    for (const r of renditions) out.push(r.replace(/GROUP-ID="([^"]+)"/, (_m, g: string) => `GROUP-ID="${group(g)}"`).replace(/URI="([^"]+)"/, (_m, u: string) => `URI="${media(p.base, u)}"`));
    for (const [inf, uri] of variants) {
      const tagged = inf.replace(/(AUDIO|SUBTITLES|VIDEO)="([^"]+)"/g, (_m, k: string, g: string) => `${k}="${group(g)}"`);
      out.push(`${tagged},PATHWAY-ID="${p.id}"`, media(p.base, uri));
    }
  }
  return `${out.join('\n')}\n`;
}
