/**
 * Throttling live: the player plays unthrottled at the top quality; its link is cut to
 * 600 kbit/s and it moves to the lowest rung within a few segments without a long stall;
 * the link is restored and it climbs back.
 */
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { browserFixture, waitForMedia, waitForStats as until, type PageStats as Stats } from '../helpers/browser.js';
import { makeClip } from '../helpers/media.js';
import { waitFor } from '../helpers/server.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;
let url: string;
let browser: Awaited<ReturnType<typeof browserFixture>>['browser'];

beforeAll(async () => {
  fx = await browserFixture(async (mediaDir, dir) => {
    const input = await makeClip(path.join(dir, 'clip.mp4'), { width: 640, height: 360, durationS: 90, audio: true });
    await packageVideo({ input, mediaDir, id: 'throttle', ladder: '360p:1600k,240p:700k,144p:250k' });
  });
  ({ url, browser } = fx);
}, 300_000);
afterAll(async () => {
  await fx?.close();
});

it('drops to the lowest rung when the link is cut to 600 kbit/s, and climbs back when it is restored', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/watch/throttle?net=50mbps&abr=dashlab`);
  await until(page, (s) => s.state === 'playing' && s.representation?.index === 2, 30_000, 'the top rung, unthrottled');
  const link = await page.evaluate(() => (window as unknown as { dashlabPlayer: { link: string } }).dashlabPlayer.link);
  expect(link).toBeTruthy();
  const put = (profile: string) => fetch(`${url}/api/links/${link}`, { method: 'PUT', body: JSON.stringify({ profile }), headers: { 'content-type': 'application/json' } });

  expect((await put('600kbps')).status).toBe(200);
  // Budgets in media played, not wall time (a loaded machine plays slower than real time).
  // What it fetches (what is on screen follows once the buffer ahead has played).
  const low = await waitForMedia(page, (s) => s.fetching?.index === 0, 'the lowest rung at 600 kbit/s', { mediaS: 24 });
  expect(low.stalls.seconds).toBeLessThan(3);

  expect((await put('50mbps')).status).toBe(200);
  const back = await waitForMedia(page, (s) => s.fetching?.index === 2, 'the top rung again', { mediaS: 40 });
  expect(back.stalls.seconds).toBeLessThan(3);
  expect(back.state).not.toBe('error');
  await page.close();
}, 600_000);

it("an algorithm's own abandonment rule decides in the browser: throughput-abandon gives a top-rung download up, refetching where its rule says", async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/watch/throttle?net=50mbps&abr=throughput-abandon`);
  // A deep buffer first: downloads then come one a segment, each a few ms long at 50 Mbit/s, so
  // the cut lands between two and the next is asked at the top rung (cut during the first
  // downloads, one straddling it measured 1.5 Mbit/s and the rule never asked for the top again).
  await until(page, (s) => s.state === 'playing' && s.fetching?.index === 2 && s.bufferS >= 16, 30_000, 'the top rung, unthrottled, 16 s buffered');
  const link = await page.evaluate(() => (window as unknown as { dashlabPlayer: { link: string } }).dashlabPlayer.link);
  // 800 kbit/s: a 1600 kbit/s segment of 4 s would take 8 s, past the rule's 1.8 x 4 s.
  expect((await fetch(`${url}/api/links/${link}`, { method: 'PUT', body: JSON.stringify({ profile: '800kbps' }), headers: { 'content-type': 'application/json' } })).status).toBe(200);
  type Switch = { reason: string; to: number };
  const s = await waitForMedia(page, (x) => (x.switches as Switch[]).some((w) => /algorithm's own rule/.test(w.reason)), "the algorithm's own rule giving a download up", { mediaS: 40 });
  const given = (s.switches as Switch[]).find((w) => /algorithm's own rule/.test(w.reason))!;
  // Down from the top to what 0.9 of the download's measured rate carries (that rate, ttfb and the shaper's start included, is at most the link's 800 kbit/s).
  expect(given.to).toBeLessThan(2);
  expect((s.requests as { abandoned?: number }).abandoned).toBeGreaterThanOrEqual(1);
  expect(s.stalls.seconds).toBeLessThan(1);
  await page.close();
}, 300_000);

it('the compare page plays players side by side, each on its own link of the same profile', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}/compare?video=throttle&players=dashlab:bola,dashjs&net=1500kbps`);
  const deadline = Date.now() + 60_000;
  let s: Array<Stats | undefined> = [];
  for (;;) {
    s = (await page.evaluate(() => (window as unknown as { dashlabCompare?: { stats(): unknown[] } }).dashlabCompare?.stats() ?? [])) as Array<Stats | undefined>;
    if (s.length === 2 && s.every((x) => x?.state === 'playing' && x.currentTimeS > 2)) break;
    if (Date.now() > deadline) throw new Error(`players did not start: ${JSON.stringify(s)}`);
    await page.waitForTimeout(500);
  }
  const links = await page.evaluate(() => (window as unknown as { dashlabCompare: { links: string[] } }).dashlabCompare.links);
  expect(new Set(links).size).toBe(2);
  for (const id of links) {
    const l = (await (await fetch(`${url}/api/links/${id}`)).json()) as { profile: string; rateKbps: number; bytesSent: number };
    expect(l).toMatchObject({ profile: '1500kbps', rateKbps: 1500 });
    expect(l.bytesSent).toBeGreaterThan(100_000); // each player streams through its own link
  }
  // Each frame is the compact view, and its chart keeps to the frame's width (a 1fr grid column
  // once grew with the chart it held, a few hundred pixels a second).
  await page.waitForTimeout(2000);
  const frames = await page.evaluate(() =>
    (window as unknown as { dashlabCompare: { frames: HTMLIFrameElement[] } }).dashlabCompare.frames.map((f) => {
      const w = f.contentWindow as unknown as Window & { dashlabChart: { width: number } };
      return { frame: f.clientWidth, chart: w.dashlabChart.width, header: getComputedStyle(w.document.querySelector('header')!).display };
    }),
  );
  for (const f of frames) {
    expect(f.header).toBe('none');
    expect(f.chart).toBeGreaterThan(200);
    expect(f.chart).toBeLessThanOrEqual(f.frame);
  }
  // The scoreboard: a row per player with its QoE so far, the best marked once, and the
  // frames' charts on one bitrate scale.
  await page.waitForFunction(() => document.querySelectorAll('#metrics tbody tr').length === 2 && [...document.querySelectorAll('#metrics tbody tr td:nth-child(2)')].every((td) => /^-?\d+\.\d$/.test(td.textContent!)), null, { timeout: 10_000 });
  const board = await page.evaluate(() => ({
    rows: [...document.querySelectorAll('#metrics tbody tr')].map((tr) => ({ best: tr.classList.contains('best'), name: tr.querySelector('td')!.textContent!, qoe: Number(tr.querySelectorAll('td')[1].textContent) })),
    scales: (window as unknown as { dashlabCompare: { frames: HTMLIFrameElement[] } }).dashlabCompare.frames.map((f) => {
      const u = (f.contentWindow as unknown as { dashlabChart: { scales: Record<string, { min?: number; max?: number }> } }).dashlabChart;
      return [u.scales.mbps.min, u.scales.mbps.max];
    }),
    state: document.querySelector('#run-state')!.textContent,
  }));
  expect(board.rows.filter((r) => r.best)).toHaveLength(1);
  const best = board.rows.find((r) => r.best)!;
  expect(best.name).toMatch(/ ★$/);
  expect(best.qoe).toBe(Math.max(...board.rows.map((r) => r.qoe)));
  expect(board.scales[0][0]).toBeGreaterThan(0);
  expect(board.scales[1]).toEqual(board.scales[0]);
  expect(board.state).toMatch(/^Live/);
  // QoE on SSIM beside it (the packager measured every segment's SSIM), with the mean SSIM in dB.
  expect(await page.textContent('#metrics thead')).toMatch(/QoE on SSIM/);
  await page.waitForFunction(() => [...document.querySelectorAll('#metrics tbody tr td:nth-child(3)')].every((td) => /^-?\d+ \(\d+\.\d dB\)$/.test(td.textContent!)), null, { timeout: 10_000 });
  // The sessions so far, saved as JSON in npm run compare's shape, and as CSV.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  const saved = JSON.parse(await fs.readFile((await json.path())!, 'utf8')) as { model: string; traces: string[]; results: Array<{ algo: string; qoe: number }> };
  expect(saved).toMatchObject({ model: 'browser', video: 'throttle', traces: ['1500kbps'] });
  expect(saved.results.map((r) => r.algo)).toEqual(['dashlab:bola', 'dashjs']);
  for (const r of saved.results) expect(typeof r.qoe).toBe('number');
  for (const r of saved.results as Array<{ qoeSsim?: number; ssimDb?: number }>) expect(r.ssimDb).toBeGreaterThan(10);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  const lines = (await fs.readFile((await csv.path())!, 'utf8')).trim().split('\n');
  expect(lines[0]).toMatch(/^algo,trace,qoe,/);
  expect(lines).toHaveLength(3);
  // Restart: every video from its start and every link from its profile's start, together.
  const times = () => page.evaluate(() => (window as unknown as { dashlabCompare: { stats(): Array<{ currentTimeS: number } | undefined> } }).dashlabCompare.stats().map((x) => x?.currentTimeS ?? -1));
  expect(Math.min(...(await times()))).toBeGreaterThan(3);
  await page.click('#restart');
  await page.waitForFunction(() => (window as unknown as { dashlabCompare: { stats(): Array<{ currentTimeS: number } | undefined> } }).dashlabCompare.stats().every((x) => x !== undefined && x.currentTimeS < 2), null, { timeout: 10_000 });
  for (const id of links) expect(((await (await fetch(`${url}/api/links/${id}`)).json()) as { traceTimeS: number }).traceTimeS).toBeLessThan(5);
  // Loop for all, from the page's checkbox.
  await page.check('#loop');
  const loops = await page.evaluate(() => (window as unknown as { dashlabCompare: { frames: HTMLIFrameElement[] } }).dashlabCompare.frames.map((f) => (f.contentDocument!.querySelector('#loop') as HTMLInputElement).checked));
  expect(loops).toEqual([true, true]);
  await page.close();
}, 120_000);

it('the network panel shows the link the page was opened with (a trace), and applies a preset and then a slider rate to it', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/watch/throttle?net=trace-norway_ferry_5-80ms&abr=dashlab`);
  await until(page, (s) => s.state === 'playing', 30_000, 'playing through the traced link');
  const link = await page.evaluate(() => (window as unknown as { dashlabPlayer: { link: string } }).dashlabPlayer.link);
  const panel = () =>
    page.evaluate(() => {
      const v = (sel: string) => (document.querySelector(sel) as HTMLInputElement | HTMLSelectElement).value;
      return { preset: v('#net-preset'), trace: v('#net-trace'), rtt: v('#net-rtt'), label: document.querySelector('#net-kbps-label')!.textContent, status: document.querySelector('#net-status')!.textContent };
    });
  const getLink = async () => (await (await fetch(`${url}/api/links/${link}`)).json()) as { profile: string; rttMs: number };
  await page.waitForFunction(() => (document.querySelector('#net-trace') as HTMLSelectElement).value !== '', null, { timeout: 10_000 });
  expect(await panel()).toMatchObject({ preset: '', trace: 'norway_ferry_5', rtt: '80', label: ' set by the preset or trace', status: `link ${link}: trace-norway_ferry_5-80ms` });

  // A preset replaces the trace.
  await page.selectOption('#net-preset', '3g');
  expect((await panel()).trace).toBe('');
  await page.click('#net-apply');
  await page.waitForFunction(() => document.querySelector('#net-status')!.textContent!.includes('(now'), null, { timeout: 10_000 });
  expect(await getLink()).toMatchObject({ profile: '3g', rttMs: 150 });
  expect(await panel()).toMatchObject({ preset: '3g', rtt: '150' });

  // The slider makes a constant link at its rate, with the RTT typed in.
  await page.fill('#net-kbps', '500'); // 100 x 500^(500/1000) = 2236 kbit/s
  await page.fill('#net-rtt', '30');
  expect(await panel()).toMatchObject({ preset: '', trace: '', label: ' 2.24 Mbit/s' });
  await page.click('#net-apply');
  await page.waitForFunction(() => document.querySelector('#net-status')!.textContent!.includes('2236kbps'), null, { timeout: 10_000 });
  expect(await getLink()).toMatchObject({ profile: '2236kbps-30ms', rttMs: 30 });
  await page.close();
}, 120_000);

it('/compare without a video is a form that leads to the side-by-side page; what it cannot play comes back to the form with the reason', async () => {
  const get = async (q: string) => {
    const r = await fetch(`${url}/compare${q}`);
    return { status: r.status, body: await r.text() };
  };
  const form = await get('');
  expect(form.status).toBe(200);
  expect(form.body).toContain('<option value="throttle"');
  expect(form.body).not.toContain('class="error"');
  const unknown = await get('?video=nope');
  expect(unknown.status).toBe(404);
  expect(unknown.body).toContain('no video &#34;nope&#34; in the library');
  expect(await get('?video=throttle&players=dashlab:nope,dashjs')).toMatchObject({ status: 400, body: expect.stringContaining('unknown abr &#34;nope&#34;') });
  expect(await get('?video=throttle&players=dashjs')).toMatchObject({ status: 400, body: expect.stringContaining('compare 2 to 6 players (1 asked for)') });
  // What was asked for stays chosen.
  expect((await get('?video=throttle&players=dashjs')).body).toMatch(/value="dashjs" checked/);

  const page = await browser.newPage();
  await page.goto(`${url}/compare`);
  await page.waitForSelector('#traces option[value="trace-norway_ferry_5"]', { state: 'attached', timeout: 10_000 });
  for (const box of await page.$$('input[name=player]:checked')) await box.uncheck();
  await page.check('input[value="dashlab:bola"]');
  await page.click('form button');
  expect(await page.textContent('#status')).toBe('choose 2 to 6 players (1 chosen)');
  await page.check('input[value="hlsjs"]');
  await page.selectOption('#net', 'trace-norway_ferry_5');
  await Promise.all([page.waitForURL(/\/compare\?video=throttle/), page.click('form button')]);
  expect(new URL(page.url()).searchParams.get('players')).toBe('dashlab:bola,hlsjs');
  expect(new URL(page.url()).searchParams.get('net')).toBe('trace-norway_ferry_5');
  await page.waitForFunction(() => (window as unknown as { dashlabCompare?: { links: string[] } }).dashlabCompare?.links.length === 2, null, { timeout: 15_000 });
  // Back to the form, filled in with what is playing.
  await Promise.all([page.waitForURL(/setup=/), page.click('text=Change players or network')]);
  expect(await page.$$eval('input[name=player]:checked', (xs) => xs.map((x) => (x as HTMLInputElement).value))).toEqual(['dashlab:bola', 'hlsjs']);
  await page.waitForFunction(() => (document.querySelector('#net') as HTMLSelectElement).value === 'trace-norway_ferry_5', null, { timeout: 10_000 });

  // A trace the shaper does not have: the page says so and links back to the form.
  await page.goto(`${url}/compare?video=throttle&players=dashlab:bola,dashjs&net=trace-nope`);
  await page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
  expect(await page.textContent('#error')).toContain('no trace named "nope"');
  expect(await page.getAttribute('#error a', 'href')).toBe('/compare?video=throttle&players=dashlab%3Abola%2Cdashjs');
  await page.close();

  // Four or more dash.js/hls.js players share one pool of connections: the page says what that costs.
  const comparing = (players: string) => fetch(`${url}/compare?video=throttle&players=${players}&net=1500kbps`).then((r) => r.text());
  expect(await comparing('dashjs,hlsjs,dashjs,hlsjs,dashlab:bola')).toMatch(/id="connections-note">4 of these players are dash.js or hls.js/);
  expect(await comparing('dashlab:bola,dashlab:dashlab,dashlab:robust-mpc,dashjs,hlsjs,dashlab:throughput')).not.toContain('connections-note');
}, 120_000);

it('six players side by side (four of ours, dash.js, hls.js) all keep their video and audio requests open at once: ours are spread over both of the browser\'s connection pools', async () => {
  // Requests in flight per shaped link, counted by the server as they arrive and end.
  const inFlight = new Map<string, number>();
  let most = 0;
  let oursIds: string[] = [];
  const count = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const link = /^\/net\/([^/]+)\/media\//.exec(req.url ?? '')?.[1];
    if (!link) return;
    inFlight.set(link, (inFlight.get(link) ?? 0) + 1);
    most = Math.max(most, oursIds.reduce((n, id) => n + (inFlight.get(id) ?? 0), 0));
    res.once('close', () => inFlight.set(link, inFlight.get(link)! - 1));
  };
  fx.server.on('request', count);
  const page = await browser.newPage();
  try {
    // 60 kbit/s a player: a segment takes seconds, so each player's video and audio requests stay open together.
    await page.goto(`${url}/compare?video=throttle&players=dashlab:bola,dashlab:dashlab,dashlab:robust-mpc,dashlab:throughput,dashjs,hlsjs&net=60kbps`);
    const links = await page.waitForFunction(() => {
      const c = (window as unknown as { dashlabCompare?: { links: string[] } }).dashlabCompare;
      return c && c.links.length === 6 ? c.links : undefined;
    }, undefined, { timeout: 30_000 }).then((h) => h.jsonValue() as Promise<string[]>);
    oursIds = links.slice(0, 4);
    const modes = await page.$$eval('iframe', (fs) => fs.map((f) => new URL((f as HTMLIFrameElement).src).searchParams.get('credentials')));
    expect(modes).toEqual(['omit', 'omit', 'omit', 'same-origin', null, null]);
    // Without the spreading, ours shared one pool of six connections: never more than six of
    // their eight requests were open at once.
    await waitFor(async () => (most >= 8 ? true : undefined), 60_000, 'all eight of our players\' requests in flight at once');
    expect(most).toBe(8);
    const refused = await fetch(`${url}/watch/throttle?credentials=include`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('credentials must be omit or same-origin');
  } finally {
    fx.server.off('request', count);
    await page.close();
  }
}, 120_000);

it('the estimate reads the link: within 20% of 0.5, 2 and 8 Mbit/s after 10 s of playback (it read half: audio and video share the link)', async () => {
  for (const kbps of [500, 2000, 8000]) {
    const page = await browser.newPage();
    await page.goto(`${url}/watch/throttle?net=${kbps}kbps`);
    const s = await until(page, (x) => x.state === 'playing' && x.currentTimeS >= 10, 90_000, `10 s played at ${kbps} kbit/s`);
    expect(s.estimateBps, `at ${kbps} kbit/s`).toBeGreaterThan(kbps * 1000 * 0.8);
    expect(s.estimateBps).toBeLessThan(kbps * 1000 * 1.2);
    // The page says it too, apart from the rate the ABR planned with.
    expect(await page.textContent('#s-est')).toMatch(/kbit\/s|Mbit\/s/);
    expect(await page.locator('#s-abr-est').count()).toBe(1);
    await page.close();
  }
}, 300_000);
