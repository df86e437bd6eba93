/**
 * Every page as a browser loads it: nothing it asks for fails (it used to log a 404 for
 * /favicon.ico on each), and the icon is there for browsers that ask for it anyway.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { browserFixture } from '../helpers/browser.js';
import { makeClip } from '../helpers/media.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;

beforeAll(async () => {
  fx = await browserFixture(async (mediaDir, dir) => {
    const input = await makeClip(path.join(dir, 'clip.mp4'), { width: 320, height: 180, durationS: 4, audio: true });
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
});
