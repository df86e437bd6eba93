/**
 * Where segments may come from: a page's own list of origins (CDN edges, say) offered in place
 * of the manifest's BaseURLs. The player then picks among them (player/engine/sources.ts).
 */
/**
 * The page's own list of sources instead of the manifest's BaseURLs (PlayerOptions.sources,
 * the watch page's ?sources=): every segment, init segment and index is offered at each
 * source, in the order given, at the path it has on the manifest's server. A source is an
 * origin (`https://edge-a.example`) or an origin with a path prefix
 * (`https://cdn.example/dashlab`: `/media/x/seg.m4s` becomes `/dashlab/media/x/seg.m4s`).
 * To keep the manifest's server among them, list it too.
 */
export function offerSources<M extends { adaptationSets: Array<{ representations: Array<{ init?: { urls: string[] }; segments: Array<{ urls: string[] }>; segmentBase?: { urls: string[] } }> }> }>(manifest: M, sources: string[]): M {
  const bases = sources.map(checkSource);
  const mirror = (urls: string[]) => {
    const out: string[] = [];
    for (const base of bases) {
      for (const u of urls) {
        const url = new URL(u);
        const prefix = base.pathname.replace(/\/+$/, '');
        const m = new URL(`${prefix}${url.pathname}${url.search}`, base.origin).toString();
        if (!out.includes(m)) out.push(m);
      }
    }
    return out;
  };
  for (const set of manifest.adaptationSets) {
    for (const rep of set.representations) {
      if (rep.init) rep.init.urls = mirror(rep.init.urls);
      if (rep.segmentBase) rep.segmentBase.urls = mirror(rep.segmentBase.urls);
      for (const seg of rep.segments) seg.urls = mirror(seg.urls);
    }
  }
  return manifest;
}

/** A source must be an absolute http(s) URL without query or fragment. */
export function checkSource(source: string): URL {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new Error(`source "${source}" is not an absolute URL (e.g. https://edge.example)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`source "${source}": only http and https sources are supported`);
  if (url.search || url.hash || url.username || url.password) throw new Error(`source "${source}": give an origin or an origin and a path, without a query, fragment or credentials`);
  return url;
}
