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
});
