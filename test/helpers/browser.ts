/** Real Chromium (Debian's) driven by playwright-core: no browser downloads. */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../lab/browser/chromium.js';

export const launchBrowser = launchChromium;

/** What the pages expose as window.dashlabPlayer.stats() (the fields tests read). */
export interface PageStats {
  state: string;
  error?: string;
  currentTimeS: number;
  /** On screen. */
  representation?: { index: number; bandwidth: number; height?: number };
  /** The latest download's. */
  fetching?: { index: number; bandwidth: number; height?: number };
  bufferS: number;
  estimateBps?: number;
  stalls: { count: number; seconds: number };
  starved: { count: number; seconds: number };
  frames: { total: number; dropped: number };
  switches: unknown[];
  abr?: string;
  decision?: string;
  requests: { network: number };
  /** Live streams only. */
  live?: { latencyS?: number; targetLatencyS: number; playbackRate: number; edgeS: number; windowStartS: number; atEdge: boolean; ended: boolean };
}

export async function playerStats(page: Page): Promise<PageStats | undefined> {
  return (await page.evaluate(() => (window as unknown as { dashlabPlayer?: { stats(): unknown } }).dashlabPlayer?.stats())) as PageStats | undefined;
}

/** Poll the page's player until `pred` holds; a player error fails at once. */
export async function waitForStats(page: Page, pred: (s: PageStats) => boolean, timeoutMs: number, what: string): Promise<PageStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await playerStats(page);
    if (s?.state === 'error') throw new Error(`player error while waiting for ${what}: ${s.error}`);
    if (s && pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last stats ${JSON.stringify(s)}`);
    await page.waitForTimeout(250);
  }
}

/**
 * Wait until `pred` holds within `mediaS` seconds of media played (not of wall time: a loaded
 * machine plays slower than real time, and a player with seconds buffered rightly waits
 * longer to switch). Fails when the playhead has moved `mediaS` past where it was, stands
 * still for `stuckMs`, or after `maxMs`.
 */
export async function waitForMedia(page: Page, pred: (s: PageStats) => boolean, what: string, { mediaS, stuckMs = 30_000, maxMs = 250_000 }: { mediaS: number; stuckMs?: number; maxMs?: number }): Promise<PageStats> {
  const started = Date.now();
  let from: number | undefined;
  let at = -1;
  let movedAt = Date.now();
  for (;;) {
    const s = await playerStats(page);
    if (s?.state === 'error') throw new Error(`player error while waiting for ${what}: ${s.error}`);
    if (s && pred(s)) return s;
    if (s) {
      from ??= s.currentTimeS;
      if (s.currentTimeS !== at) {
        at = s.currentTimeS;
        movedAt = Date.now();
      }
      if (s.currentTimeS - from > mediaS) throw new Error(`${what}: not within ${mediaS} s of media (played ${from.toFixed(1)} to ${s.currentTimeS.toFixed(1)} s); last stats ${JSON.stringify(s)}`);
    }
    if (Date.now() - movedAt > stuckMs) throw new Error(`the playhead stood still for ${stuckMs / 1000} s waiting for ${what}; last stats ${JSON.stringify(s)}`);
    if (Date.now() - started > maxMs) throw new Error(`timed out after ${maxMs / 1000} s waiting for ${what}; last stats ${JSON.stringify(s)}`);
    await page.waitForTimeout(250);
  }
}

/**
 * Wait for the end of playback for as long as the playhead keeps moving: a loaded machine
 * plays slower than real time (its decoder starved), which is not a failure; a playhead still
 * for 30 s is. 540 s at most, under the tests' own 600 s timeouts.
 */
export const waitForEnd = (page: Page, what: string): Promise<PageStats> =>
  waitForMedia(page, (s) => s.state === 'ended', what, { mediaS: Infinity, maxMs: 540_000 });

/** A temporary library packaged by `prepare`, a real server on it, and Chromium. */
export async function browserFixture(prepare: (mediaDir: string, workDir: string) => Promise<void>) {
  const { tempDir } = await import('./media.js');
  const { startServer } = await import('./server.js');
  const work = await tempDir();
  const mediaDir = path.join(work.dir, 'library');
  await prepare(mediaDir, work.dir);
  const { dashlab, url } = await startServer({ mediaDir });
  const browser = await launchBrowser();
  return {
    url,
    browser,
    workDir: work.dir,
    /** The server's own http.Server, for tests that watch the requests it receives. */
    server: dashlab.server,
    close: async () => {
      await browser.close();
      await dashlab.close();
      await work.cleanup();
    },
  };
}
