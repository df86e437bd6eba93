/**
 * npm run screenshots [-- FILE.png ...]: the docs' screenshots (those named, or all) (docs/screenshots/), taken in Chromium from a
 * server started here on the library (MEDIA_DIR; the sample is packaged first when missing):
 * the watch page on the step-down link, /compare with its scoreboard at the end of a run, /cdn
 * with three players on the edges, and the report at phone size in the light theme. About two minutes: the comparison plays the
 * whole sample in real time.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { channelDir } from '../server/live/state.js';
import { launchChromium } from '../lab/browser/chromium.js';
import { REPO_ROOT } from '../lab/paths.js';
import os from 'node:os';
import { loadConfig } from '../server/config.js';
import { freePort } from '../server/free-port.js';
import { createLogger } from '../server/log.js';
import { buildPlayer } from './lib/build-player.js';
import { profileReader, startTier } from './lib/cdn-tier.js';
import { fail } from './lib/cli.js';
import { ensureSample } from './lib/sample.js';

const OUT = path.join(REPO_ROOT, 'docs', 'screenshots');
/** The channel live.png shows, started for it and removed after. */
const LIVE_ID = 'screenshot-live';

interface Shot {
  file: string;
  path: string;
  viewport: { width: number; height: number };
  colorScheme?: 'dark' | 'light';
  /** Until the page shows what the picture is for. */
  ready: string;
  timeoutS: number;
  fullPage?: boolean;
  /** What a person does first on the page (a script). */
  act?: string;
}

const SHOTS: Shot[] = [
  // Past the second step (6, then 2, then 0.6 Mbit/s): the drops in the chart and the log.
  { file: 'watch.png', path: '/watch/sample?net=step-down', viewport: { width: 1280, height: 1000 }, ready: '(window.dashlabPlayer?.stats().currentTimeS ?? 0) > 44', timeoutS: 90, fullPage: true },
  { file: 'compare.png', path: '/compare?video=sample&players=dashlab:dashlab,dashlab:bola,dashjs,hlsjs&net=step-down', viewport: { width: 1400, height: 1000 }, ready: "document.querySelector('#run-state')?.textContent.startsWith('Every player')", timeoutS: 180 },
  // The CDN tier with three players on it, a while after they started.
  { file: 'cdn.png', path: '/cdn', viewport: { width: 1300, height: 1100 }, act: "document.querySelector('#count').value = '3'; document.querySelector('#start').click()", ready: "document.querySelectorAll('#players .strip i').length > 36", timeoutS: 120 },
  // A live test-source channel (started here), a minute on the air: the latency held, the clock burned in.
  { file: 'live.png', path: `/watch/${LIVE_ID}`, viewport: { width: 1280, height: 1000 }, ready: '(window.dashlabPlayer?.stats().live?.latencyS ?? 9) < 1.8 && window.dashlabPlayer.stats().currentTimeS > 40', timeoutS: 120, fullPage: true },
  { file: 'report-phone.png', path: '/reports/view?video=pensieve-envivio&traces=norway-test&algos=dashlab,bola,dynamic,mpc', viewport: { width: 390, height: 1600 }, colorScheme: 'light', ready: "document.querySelector('#cdf canvas') !== null", timeoutS: 120 },
];

async function take(browser: Browser, baseUrl: string, shot: Shot): Promise<void> {
  const page = await browser.newPage({ viewport: shot.viewport, colorScheme: shot.colorScheme ?? 'dark', isMobile: shot.viewport.width < 500 });
  try {
    await page.goto(baseUrl + shot.path);
    if (shot.act) await page.evaluate(shot.act);
    await page.waitForFunction(shot.ready, null, { timeout: shot.timeoutS * 1000, polling: 500 });
    await page.waitForTimeout(1000); // the next redraw of the charts and tables
    await page.screenshot({ path: path.join(OUT, shot.file), fullPage: shot.fullPage });
    console.log(`screenshots: ${path.relative(REPO_ROOT, path.join(OUT, shot.file))}`);
  } finally {
    await page.close();
  }
}

/** A test-source channel on the air while `fn` runs; stopped and its folder removed after. */
async function withChannel(originUrl: string, mediaDir: string, fn: () => Promise<void>): Promise<void> {
  const res = await fetch(`${originUrl}/api/channels`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: LIVE_ID, source: 'testsrc' }) });
  if (!res.ok) throw new Error(`could not start the channel for live.png: ${((await res.json()) as { error?: string }).error ?? res.status}`);
  try {
    await fn();
  } finally {
    await fetch(`${originUrl}/api/channels/${LIVE_ID}`, { method: 'DELETE' }).catch(() => undefined);
    await rm(channelDir(mediaDir, LIVE_ID), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const config = { ...loadConfig(), port: await freePort(), host: '127.0.0.1', workers: 1 };
  await ensureSample(config.mediaDir);
  await buildPlayer(); // the pages as they are now, never a stale bundle
  // An origin with a CDN tier (npm run cdn's), for /cdn; the other pages play through shaped links as on any origin.
  const traces = await profileReader(config);
  const edges = [];
  for (const [i, profile] of ['near', 'far', 'congested'].entries()) edges.push({ id: `edge-${i + 1}`, profile: traces.profileOf(profile), port: await freePort(), cacheMb: 256 });
  // One viewer an edge before steering prefers another: the picture's three players spread over near, far and congested.
  const { originUrl, stop } = await startTier({ config, edges, workDir: path.join(os.tmpdir(), `dashlab-screenshots-${config.port}`), ttlS: 5, capacity: 1, profileOf: traces.profileOf, log: createLogger(process.env.LOG_LEVEL ?? 'warn') });
  const browser = await launchChromium().catch(async (err) => {
    await stop();
    throw err;
  });
  try {
    // One at a time: the pages play in real time, and two would share this machine's cores.
    const only = process.argv.slice(2);
    for (const shot of SHOTS.filter((x) => !only.length || only.includes(x.file))) {
      if (shot.file === 'live.png') await withChannel(originUrl, config.mediaDir, () => take(browser, originUrl, shot));
      else await take(browser, originUrl, shot);
    }
  } finally {
    await browser.close();
    await stop();
    traces.close();
  }
}

main().catch((err) => fail('screenshots', err));
