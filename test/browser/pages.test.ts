/**
 * Every page as a browser loads it: nothing it asks for fails (it used to log a 404 for
 * /favicon.ico on each), the icon is there for browsers that ask for it anyway, phones,
 * the keyboard, and axe-core's accessibility rules.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { browserFixture } from '../helpers/browser.js';
import { makeClip } from '../helpers/media.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;

beforeAll(async () => {
  fx = await browserFixture(async (mediaDir, dir) => {
    const input = await makeClip(path.join(dir, 'clip.mp4'), { width: 320, height: 180, durationS: 30, audio: true });
    await packageVideo({ input, mediaDir, id: 'clip', ladder: '180p:300k,144p:150k' });
  });
}, 120_000);
afterAll(async () => {
  await fx?.close();
});

describe('the pages', () => {
  it('ask for nothing that fails and log no error: the library, the player, side by side, the lab, an error page', async () => {
    const page = await fx.browser.newPage();
    const failed: string[] = [];
    const errors: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400 && r.url() !== `${fx.url}/no-such-page`) failed.push(`${r.status()} ${r.url()}`);
    });
    // The error page's own 404 is the one error the browser may log.
    page.on('console', (m) => m.type() === 'error' && m.location().url !== `${fx.url}/no-such-page` && errors.push(`${m.text()} (${m.location().url})`));
    for (const p of ['/', '/watch/clip', '/compare', '/compare?video=clip&players=dashlab:bola,dashjs&net=4mbps', '/reports', '/no-such-page']) {
      await page.goto(fx.url + p);
      await page.waitForTimeout(1500);
    }
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.locator('link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
    const icon = await fetch(`${fx.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    await page.close();
  });

  it('work at phone width (390 x 844): no page scrolls sideways (wide tables scroll inside themselves), and the switch log keeps its reasons readable', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const pages = ['/', '/watch/clip', '/watch/clip?embed=1', '/compare', '/compare?video=clip&players=dashlab:bola,dashjs&net=4mbps', '/reports', '/reports/view?video=pensieve-envivio&traces=norway_tram_6&algos=bola,dashlab', '/no-such-page'];
    const wide: string[] = [];
    for (const p of pages) {
      await page.goto(fx.url + p);
      await page.waitForTimeout(p.startsWith('/watch') || p.includes('players=') ? 4000 : 800);
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      if (w > 390) wide.push(`${p}: ${w} px`);
    }
    expect(wide).toEqual([]);
    // The switch log (in a watch page: the reason column was one character wide in a narrow frame).
    await page.goto(`${fx.url}/watch/clip?embed=1`);
    await page.waitForSelector('#log tbody tr', { timeout: 20_000 });
    const reasonWidth = await page.evaluate(() => (document.querySelector('#log tbody tr td:last-child') as HTMLElement).getBoundingClientRect().width);
    expect(reasonWidth).toBeGreaterThan(150);
    await page.close();
  }, 120_000);

  it('pass axe-core in Chromium (no serious or critical violation), in the dark theme and the light one', async () => {
    const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    const pages = ['/', '/watch/clip', '/watch/clip?embed=1', '/watch/clip?engine=dashjs', '/watch/clip?engine=hlsjs&net=4mbps', '/compare', '/compare?video=clip&players=dashlab:bola,dashjs&net=4mbps', '/reports', '/reports/view?video=pensieve-envivio&traces=norway_tram_6&algos=bola,dashlab', '/no-such-page'];
    const found: string[] = [];
    for (const colorScheme of ['dark', 'light'] as const) {
      const page = await fx.browser.newPage();
      await page.emulateMedia({ colorScheme });
      for (const p of pages) {
        await page.goto(fx.url + p);
        await page.waitForTimeout(p.startsWith('/watch') || p.includes('players=') ? 3000 : 800);
        await page.addScriptTag({ path: axe });
        const violations = await page.evaluate(async () => {
          const run = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run;
          return (await run(document)).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        });
        found.push(...violations.map((v) => `${colorScheme} ${p}: ${v}`));
      }
      await page.close();
    }
    expect(found).toEqual([]);
  }, 180_000);

  it('the watch page answers the keys people know, leaves keys typed into its fields alone, lists them, and shows where the focus is', async () => {
    const page = await fx.browser.newPage();
    await page.goto(`${fx.url}/watch/clip`);
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 1, null, { timeout: 20_000 });
    const v = () =>
      page.evaluate(() => {
        const el = document.querySelector('video') as HTMLVideoElement;
        return { paused: el.paused, t: el.currentTime, muted: el.muted, volume: el.volume, fullscreen: document.fullscreenElement === el };
      });
    await page.keyboard.press('k');
    expect((await v()).paused).toBe(true);
    await page.keyboard.press(' ');
    expect((await v()).paused).toBe(false);
    await page.keyboard.press('k');
    expect((await v()).paused).toBe(true);
    await page.keyboard.press('5'); // half of 30 s
    expect((await v()).t).toBeCloseTo(15, 0);
    await page.keyboard.press('ArrowRight');
    expect((await v()).t).toBeCloseTo(20, 0);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect((await v()).t).toBeCloseTo(10, 0);
    expect((await v()).muted).toBe(true); // autoplay starts muted
    await page.keyboard.press('m');
    expect((await v()).muted).toBe(false);
    await page.keyboard.press('ArrowDown');
    expect((await v()).volume).toBeCloseTo(0.9, 5);
    await page.keyboard.press('m');
    await page.keyboard.press('ArrowUp'); // louder unmutes
    expect(await v()).toMatchObject({ volume: 1, muted: false });
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement !== null, null, { timeout: 5000 });
    expect((await v()).fullscreen).toBe(true);
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement === null, null, { timeout: 5000 });
    // Keys typed into a field are the field's.
    await page.focus('#net-rtt');
    await page.keyboard.press('k');
    await page.keyboard.press('0');
    expect(await v()).toMatchObject({ paused: true });
    expect((await v()).t).toBeCloseTo(10, 0);
    // The keys are listed on the page, and a keyboard user sees where the focus is.
    await page.click('#keys summary');
    expect(await page.locator('#keys dt').allTextContents()).toEqual(['space, k', '← →', '↑ ↓', 'm', 'f', '0-9']);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const cs = getComputedStyle(document.activeElement!);
      return { tag: document.activeElement!.tagName, style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
    });
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    await page.close();
  }, 60_000);

  it('the watch page explains itself: unmute hint, legend values without hovering, stat help, plain words for each switch, the slider off when unshaped, a light theme', async () => {
    const page = await fx.browser.newPage();
    await page.goto(`${fx.url}/watch/clip`);
    await page.waitForSelector('#log tbody tr', { timeout: 20_000 });
    // A muted autoplay says so until unmuted.
    expect(await page.isVisible('#unmute')).toBe(true);
    await page.click('#unmute');
    await page.waitForSelector('#unmute', { state: 'hidden', timeout: 5000 });
    expect(await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).muted)).toBe(false);
    // The chart's legend has the latest values with the pointer elsewhere.
    await page.mouse.move(0, 0);
    await page.waitForTimeout(1200);
    const legend = await page.locator('#chart .u-legend .u-value').allTextContents();
    expect(legend[0]).toMatch(/^\d+\.\d s$/);
    expect(legend[1]).toMatch(/Mbit\/s$/); // the estimate
    expect(legend[2]).toMatch(/Mbit\/s$/); // the bitrate
    // Each stat has its help, on hover and in "What these numbers mean".
    const names = await page.locator('#stats dt').allTextContents();
    const help = await page.locator('#stat-help dt').allTextContents();
    expect(help).toEqual(names);
    expect(await page.locator('#stats dt[title]').count()).toBe(names.length);
    // The switch log: plain words, then the algorithm's own terms.
    const reason = page.locator('#log tbody tr td:last-child').last();
    expect(await reason.locator('small').textContent()).toMatch(/^start/);
    expect(await reason.evaluate((td) => td.firstChild!.textContent)).toMatch(/^Starting: /);
    // Not shaped: the slider says it is off until it is moved.
    expect(await page.textContent('#net-kbps-label')).toMatch(/off: this page is not shaped/);
    await page.fill('#net-kbps', '500');
    expect(await page.textContent('#net-kbps-label')).toBe(' 2.24 Mbit/s');
    await page.close();
    // A light theme for a system that asks for one.
    const light = await fx.browser.newPage({ colorScheme: 'light' });
    await light.goto(`${fx.url}/watch/clip`);
    expect(await light.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    const dark = await fx.browser.newPage({ colorScheme: 'dark' });
    await dark.goto(`${fx.url}/watch/clip`);
    expect(await dark.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(15, 17, 21)');
    await light.close();
    await dark.close();
  }, 60_000);
});
