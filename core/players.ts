/**
 * The players dashlab plays with, written once: the engines (ours, and the references it is
 * compared with), how a player is named on the command line and in URLs (`dashlab:<abr>`,
 * `dashjs`, `hlsjs`), and what the watch page is told. The watch page, the side-by-side page,
 * compare:browser and the server's checks all read these; adding an engine is an entry here
 * and its starter in player/ui/engines.ts (which the compiler then asks for).
 */

export const ENGINES = {
  dashlab: { label: 'dashlab', about: 'ours: choose its ABR algorithm', manifest: 'dash' },
  // dash.js's own low-latency rules by name (dashjs:l2a, dashjs:lolp): the baselines ours are measured against on live channels.
  dashjs: { label: 'dash.js', about: 'its own ABR', manifest: 'dash', rules: ['l2a', 'lolp'] },
  hlsjs: { label: 'hls.js', about: 'its own ABR', manifest: 'hls', rules: [] },
} as const satisfies Record<string, { label: string; about: string; manifest: 'dash' | 'hls'; rules?: readonly string[] }>;

/** The rules of its own an engine can be asked for by name (none: its default ABR only). */
export const engineRules = (engine: EngineName): readonly string[] => ('rules' in ENGINES[engine] ? (ENGINES[engine] as { rules: readonly string[] }).rules : []);

export type EngineName = keyof typeof ENGINES;
export const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];
/** Our engine: the one whose ABR is chosen by name. */
export const OUR_ENGINE: EngineName = 'dashlab';

export const isEngine = (name: string): name is EngineName => Object.prototype.hasOwnProperty.call(ENGINES, name);

/** One player: an engine and, for ours, the ABR algorithm (for dash.js, one of its own rules, when asked). */
export interface PlayerSpec {
  /** As written: dashlab:<abr>, dashjs or hlsjs. */
  label: string;
  engine: EngineName;
  abr?: string;
}

export const playerLabel = (p: Pick<PlayerSpec, 'engine' | 'abr'>) => (p.abr ? `${p.engine}:${p.abr}` : p.engine);

/** Every player there is: ours with each algorithm, then the other engines. */
export const everyPlayer = (abrNames: readonly string[]): string[] => [...abrNames.map((a) => `${OUR_ENGINE}:${a}`), ...ENGINE_NAMES.filter((e) => e !== OUR_ENGINE).flatMap((e) => [e, ...engineRules(e).map((r) => `${e}:${r}`)])];

/** `dashlab:<abr>` (or `dashlab` alone: `defaultAbr`), `dashjs`, `hlsjs`; throws with what to write instead. */
export function parsePlayerSpec(text: string, abrNames: readonly string[], defaultAbr: string): PlayerSpec {
  const [engine, abr, extra] = text.trim().split(':');
  const others = ENGINE_NAMES.filter((e) => e !== OUR_ENGINE).join(', ');
  if (extra !== undefined || !isEngine(engine)) throw new Error(`unknown player "${text}": use ${OUR_ENGINE}:<abr>, ${others}`);
  if (engine !== OUR_ENGINE) {
    const rules = engineRules(engine);
    if (abr !== undefined && !rules.includes(abr)) throw new Error(`player "${text}": ${engine} uses its own ABR; write just ${engine}${rules.length ? ` or one of its own rules, ${rules.map((r) => `${engine}:${r}`).join(', ')}` : ''}`);
    return abr === undefined ? { label: engine, engine } : { label: `${engine}:${abr}`, engine, abr };
  }
  const chosen = abr || defaultAbr;
  if (!abrNames.includes(chosen)) throw new Error(`player "${text}": unknown abr "${chosen}"; give one of our algorithms, ${OUR_ENGINE}:<${abrNames.join('|')}>`);
  return { label: `${OUR_ENGINE}:${chosen}`, engine, abr: chosen };
}

/** A comma-separated list of players (the same one may come twice: two identical players side by side show the noise). */
export function parsePlayerList(text: string, abrNames: readonly string[], defaultAbr: string): PlayerSpec[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((p) => parsePlayerSpec(p, abrNames, defaultAbr));
}

/**
 * What the watch page tells its script (server/pages/watch-page.ts writes it as JSON,
 * player/ui/watch.ts reads it).
 */
export interface WatchConfig {
  src: string;
  hls?: string;
  title: string;
  abr: string;
  engine: EngineName;
  abrNames: readonly string[];
  /** Play through a shaped link: a profile spec (the page makes its own link) ... */
  net?: string;
  /** ... or an existing link's id (the side-by-side page makes them). */
  link?: string;
  /** Our player fetches segments from these origins instead of the manifest's BaseURLs. */
  sources?: string[];
  /** Our player's credentials mode (player/engine/player.ts), for the side-by-side page's connection pools. */
  credentials?: 'omit' | 'same-origin';
  /** Inside the side-by-side page: the video, the chart and the switch log only (that page has the controls and the metrics). */
  embed?: boolean;
  /** Play again from the start at the end, fetching anew (a lesson's experiment that goes on). */
  loop?: boolean;
  /** A fixed quality from the first segment on (an index into the representations, lowest first); none: auto. */
  quality?: number;
  /** Our player: the video codec to play (h264 or av1; ?codec=); none: the one MediaCapabilities says plays best. */
  codec?: 'h264' | 'av1';
  /** The CDN tier's mode the manifest was asked in (steering, redirect, client), when one was. */
  cdn?: string;
  /** Where the embeddable player's bundle is served. */
  playerUrl: string;
}
