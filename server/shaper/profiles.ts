/**
 * Link profiles: what a `<link>` in /net/<link>/ means. A spec (`1500kbps`, `2mbps-80ms`),
 * `trace-<name>` (a trace of media/traces/ or an uploaded one), or a named profile.
 */
import { parseTrace, type Trace } from '../../player/sim/traces.js';

export interface LinkProfile {
  /** What the user asked for, normalised. */
  spec: string;
  trace: Trace;
  rttMs: number;
}

const constant = (name: string, kbps: number): Trace => ({ name, points: [{ t: 0, kbps }], periodS: 3600, format: 'json' });
const steps = (name: string, pts: Array<[number, number]>, periodS: number): Trace => ({
  name,
  points: pts.map(([t, kbps]) => ({ t, kbps })),
  periodS,
  format: 'json',
});

/** Named profiles: plain data. */
export const NAMED_PROFILES: Record<string, { trace: Trace; rttMs: number; about: string }> = {
  '3g': { trace: constant('3g', 1600), rttMs: 150, about: '1.6 Mbit/s, 150 ms (like DevTools "Fast 3G")' },
  '4g': { trace: constant('4g', 9000), rttMs: 60, about: '9 Mbit/s, 60 ms' },
  wifi: { trace: constant('wifi', 30000), rttMs: 20, about: '30 Mbit/s, 20 ms' },
  'step-down': { trace: steps('step-down', [[0, 6000], [20, 2000], [40, 600]], 60), rttMs: 40, about: '6 -> 2 -> 0.6 Mbit/s every 20 s, then again' },
  sawtooth: {
    trace: steps('sawtooth', [[0, 600], [8, 1200], [16, 2400], [24, 4000], [32, 6000]], 40),
    rttMs: 40,
    about: '0.6 Mbit/s climbing to 6 Mbit/s over 40 s, then again',
  },
};

/** Each named profile with what it does, as the API and the pages list them. */
export const profileDescriptions = (): Record<string, string> => Object.fromEntries(Object.entries(NAMED_PROFILES).map(([k, v]) => [k, v.about]));

export class ProfileError extends Error {}

/** Parse a link spec; `traces` resolves trace-<name>. */
export function parseProfile(spec: string, traces: (name: string) => Trace | undefined): LinkProfile {
  const s = spec.trim().toLowerCase();
  const named = NAMED_PROFILES[s];
  if (named) return { spec: s, trace: named.trace, rttMs: named.rttMs };
  const m = /^(\d+(?:\.\d+)?)(kbps|mbps)(?:-(\d+)ms)?$/.exec(s);
  if (m) {
    const kbps = Number(m[1]) * (m[2] === 'mbps' ? 1000 : 1);
    if (!(kbps >= 8 && kbps <= 10_000_000)) throw new ProfileError(`${spec}: the rate must be between 8 kbit/s and 10 Gbit/s`);
    return { spec: s, trace: constant(s, kbps), rttMs: Number(m[3] ?? 0) };
  }
  const t = /^trace-([a-z0-9._-]+?)(?:-(\d+)ms)?$/.exec(s);
  if (t) {
    const trace = traces(t[1]);
    if (!trace) throw new ProfileError(`${spec}: no trace named "${t[1]}" (GET /api/traces lists them)`);
    return { spec: s, trace, rttMs: Number(t[2] ?? trace.rttMs ?? 0) };
  }
  throw new ProfileError(
    `unknown link "${spec}": use <rate>kbps or <rate>mbps (optionally -<rtt>ms), trace-<name>, or one of ${Object.keys(NAMED_PROFILES).join(', ')}`,
  );
}

export { parseTrace };
