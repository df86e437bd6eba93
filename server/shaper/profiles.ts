/**
 * Link profiles: what a `<link>` in /net/<link>/ means. A spec (`1500kbps`, `2mbps-80ms`),
 * `trace-<name>` (a trace of media/traces/ or an uploaded one), or a named profile.
 * Names are looked up in Maps, never on plain objects: `constructor` or `__proto__` name
 * nothing here.
 */
import type { Trace } from '../../core/traces/index.js';

export interface LinkProfile {
  /** What the user asked for, normalised. */
  spec: string;
  trace: Trace;
  rttMs: number;
}

/** Limits of a link (a request held for days by a huge RTT, or a rate no link has, is refused). */
export const PROFILE_LIMITS = { minKbps: 8, maxKbps: 10_000_000, maxRttMs: 10_000 } as const;

const constant = (name: string, kbps: number): Trace => ({ name, points: [{ t: 0, kbps }], periodS: 3600, format: 'json' });
const steps = (name: string, pts: Array<[number, number]>, periodS: number): Trace => ({
  name,
  points: pts.map(([t, kbps]) => ({ t, kbps })),
  periodS,
  format: 'json',
});

/** Named profiles: plain data. */
export const NAMED_PROFILES: ReadonlyMap<string, { trace: Trace; rttMs: number; about: string }> = new Map([
  ['3g', { trace: constant('3g', 1600), rttMs: 150, about: '1.6 Mbit/s, 150 ms (like DevTools "Fast 3G")' }],
  ['4g', { trace: constant('4g', 9000), rttMs: 60, about: '9 Mbit/s, 60 ms' }],
  ['wifi', { trace: constant('wifi', 30000), rttMs: 20, about: '30 Mbit/s, 20 ms' }],
  ['step-down', { trace: steps('step-down', [[0, 6000], [20, 2000], [40, 600]], 60), rttMs: 40, about: '6 -> 2 -> 0.6 Mbit/s every 20 s, then again' }],
  [
    'sawtooth',
    {
      trace: steps('sawtooth', [[0, 600], [8, 1200], [16, 2400], [24, 4000], [32, 6000]], 40),
      rttMs: 40,
      about: '0.6 Mbit/s climbing to 6 Mbit/s over 40 s, then again',
    },
  ],
  // Where a CDN edge is from its viewers (npm run cdn gives each edge one of these).
  ['near', { trace: constant('near', 40000), rttMs: 10, about: 'a CDN edge near its viewers: 40 Mbit/s, 10 ms' }],
  ['far', { trace: constant('far', 8000), rttMs: 80, about: 'a CDN edge far from its viewers: 8 Mbit/s, 80 ms' }],
  [
    'congested',
    {
      trace: steps('congested', [[0, 4000], [5, 1200], [10, 2500], [15, 800], [20, 3000], [25, 1500]], 30),
      rttMs: 60,
      about: 'a CDN edge on a congested path: 0.8 to 4 Mbit/s, changing every 5 s, 60 ms',
    },
  ],
]);

/** Each named profile with what it does, as the API and the pages list them. */
export const profileDescriptions = (): Record<string, string> => Object.fromEntries([...NAMED_PROFILES].map(([k, v]) => [k, v.about]));

export class ProfileError extends Error {}

const RATE = /^(\d+(?:\.\d+)?)(kbps|mbps)(?:-(\d+)ms)?$/;
const TRACE = /^trace-([a-z0-9._-]+?)(?:-(\d+)ms)?$/;

function checkRtt(spec: string, rttMs: number): number {
  if (!(rttMs <= PROFILE_LIMITS.maxRttMs)) throw new ProfileError(`${spec}: the round trip must be at most ${PROFILE_LIMITS.maxRttMs} ms`);
  return rttMs;
}

/** Parse a link spec; `traces` resolves trace-<name>. */
export function parseProfile(spec: string, traces: (name: string) => Trace | undefined): LinkProfile {
  const s = spec.trim().toLowerCase();
  const named = NAMED_PROFILES.get(s);
  if (named) return { spec: s, trace: named.trace, rttMs: named.rttMs };
  const m = RATE.exec(s);
  if (m) {
    const kbps = Number(m[1]) * (m[2] === 'mbps' ? 1000 : 1);
    if (!(kbps >= PROFILE_LIMITS.minKbps && kbps <= PROFILE_LIMITS.maxKbps)) throw new ProfileError(`${spec}: the rate must be between 8 kbit/s and 10 Gbit/s`);
    return { spec: s, trace: constant(s, kbps), rttMs: checkRtt(spec, Number(m[3] ?? 0)) };
  }
  const t = TRACE.exec(s);
  if (t) {
    const trace = traces(t[1]);
    if (!trace) throw new ProfileError(`${spec}: no trace named "${t[1]}" (GET /api/traces lists them)`);
    return { spec: s, trace, rttMs: checkRtt(spec, Number(t[2] ?? trace.rttMs ?? 0)) };
  }
  throw new ProfileError(`unknown link "${spec}": use <rate>kbps or <rate>mbps (optionally -<rtt>ms), trace-<name>, or one of ${[...NAMED_PROFILES.keys()].join(', ')}`);
}

/** Whether `spec` could name a link (a trace it names may still be missing): what a page checks before making one. */
export function profileSyntaxError(spec: string): string | undefined {
  try {
    parseProfile(spec, (name) => ({ name, points: [{ t: 0, kbps: 1 }], periodS: 1, format: 'json' }));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
