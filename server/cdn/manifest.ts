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
