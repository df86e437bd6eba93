/**
 * The server's clock, from the manifest's UTCTiming (ISO/IEC 23009-1 Annex; DASH-IF IOP 4.7):
 * a live player places the live edge by the clock that made the MPD, not its own, which may be
 * seconds off. Half the request's round trip is assumed to have passed when the server read
 * its clock. No usable UTCTiming: the local clock (offset 0), as the standard allows.
 */

export interface UtcTiming {
  scheme: string;
  value: string;
}

const SCHEME = 'urn:mpeg:dash:utc:';

/** Server time minus local time, in ms. */
export async function serverClockOffsetMs(timings: UtcTiming[], opts: { signal?: AbortSignal; credentials?: RequestCredentials } = {}): Promise<{ offsetMs: number; source: string }> {
  for (const t of timings) {
    const kind = t.scheme.startsWith(SCHEME) ? t.scheme.slice(SCHEME.length).replace(/:\d{4}$/, '') : '';
    try {
      if (kind === 'direct') {
        const at = Date.parse(t.value);
        if (Number.isFinite(at)) return { offsetMs: at - Date.now(), source: 'direct' };
      } else if (kind === 'http-iso' || kind === 'http-xsdate' || kind === 'http-head') {
        const before = Date.now();
        const res = await fetch(t.value, { method: kind === 'http-head' ? 'HEAD' : 'GET', cache: 'no-store', signal: opts.signal, credentials: opts.credentials });
        const text = kind === 'http-head' ? (res.headers.get('date') ?? '') : (await res.text()).trim();
        const after = Date.now();
        const at = Date.parse(text);
        if (res.ok && Number.isFinite(at)) return { offsetMs: at - (before + after) / 2, source: t.value };
      }
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      // This source did not answer: the next.
    }
  }
  return { offsetMs: 0, source: 'local clock' };
}
