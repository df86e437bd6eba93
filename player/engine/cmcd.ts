/**
 * What our player tells the servers with each segment request (CTA-5004 CMCD, core/cdn/cmcd.ts):
 * its session, the content, the object (type, bitrate, duration, the next one), its buffer,
 * its throughput, whether it is starting up or has starved since the last request. As the
 * `CMCD` query argument (no CORS preflight; the edges leave it out of their cache key) or as
 * `CMCD-*` headers (a preflight to origins on other hosts).
 */
import { cmcdHeaders, withCmcdQuery, type CmcdData } from '../../core/cdn/cmcd.js';

export type CmcdMode = 'query' | 'headers' | 'off';

/** The player's state a request reports. */
export interface CmcdState {
  bufferS: number;
  estimateBps?: number;
  /** No frame shown yet, or rebuffering: the object is needed urgently. */
  urgent: boolean;
  stalls: number;
}

export interface CmcdObject {
  ot: 'i' | 'v' | 'a';
  bitrateBps?: number;
  durationS?: number;
  /** The next object's URL. */
  next?: string;
}

const newSessionId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

/** The next object's path relative to this one's folder (CTA-5004 nor). */
function relative(next: string, url: string): string {
  try {
    const a = new URL(next);
    const b = new URL(url);
    if (a.origin !== b.origin) return a.pathname;
    const dir = b.pathname.slice(0, b.pathname.lastIndexOf('/') + 1);
    return a.pathname.startsWith(dir) ? a.pathname.slice(dir.length) : a.pathname;
  } catch {
    return next;
  }
}

export class CmcdReporter {
  readonly sid = newSessionId();
  private stallsSeen = 0;

  constructor(
    readonly mode: CmcdMode,
    private readonly cid: string | undefined,
    private readonly state: () => CmcdState,
  ) {}

  /** A steering request's URL with the player's state (session, buffer, throughput), always as the query argument (no preflight). */
  steering(url: string): string {
    if (this.mode === 'off') return url;
    const s = this.state();
    return withCmcdQuery(url, { sid: this.sid, cid: this.cid, bl: Math.round((s.bufferS * 1000) / 100) * 100, mtp: s.estimateBps ? Math.round(s.estimateBps / 1000 / 100) * 100 : undefined });
  }

  /** The request for `url`: the URL to fetch and the headers to send. */
  decorate(url: string, o: CmcdObject): { url: string; headers?: Record<string, string> } {
    if (this.mode === 'off') return { url };
    const s = this.state();
    const data: CmcdData = {
      sid: this.sid,
      cid: this.cid,
      sf: 'd',
      st: 'v',
      ot: o.ot,
      br: o.bitrateBps ? o.bitrateBps / 1000 : undefined,
      d: o.durationS ? o.durationS * 1000 : undefined,
      bl: Math.round((s.bufferS * 1000) / 100) * 100,
      mtp: s.estimateBps ? Math.round(s.estimateBps / 1000 / 100) * 100 : undefined,
      nor: o.next ? relative(o.next, url) : undefined,
      su: s.urgent,
      bs: s.stalls > this.stallsSeen,
    };
    this.stallsSeen = s.stalls;
    return this.mode === 'query' ? { url: withCmcdQuery(url, data) } : { url, headers: cmcdHeaders(data) };
  }
}
