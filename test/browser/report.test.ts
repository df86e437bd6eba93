/**
 * The comparison report: `npm run compare --html` writes one self-contained file that renders
 * in Chromium (table, four plots, a trace picker) without fetching anything; the web UI's
 * ABR lab serves the same report and refuses paths.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runComparison } from '../../lab/compare/compare.js';
import { buildReportData } from '../../lab/report/report-data.js';
import { BUNDLED_VIDEOS_DIR, loadTraces, loadVideo, TRACES_DIR } from '../../lab/inputs.js';
import { loadReportAssets, reportPage } from '../../lab/report/report-page.js';
import { launchBrowser } from '../helpers/browser.js';
import { runScript, tempDir } from '../helpers/media.js';
import { startServer } from '../helpers/server.js';

let browser: Browser;
let work: Awaited<ReturnType<typeof tempDir>>;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  work = await tempDir();
  browser = await launchBrowser();
  server = await startServer({ mediaDir: path.join(work.dir, 'library') });
});
afterAll(async () => {
  await browser?.close();
  await server?.dashlab.close();
  await work?.cleanup();
});

interface ReportWindow {
  dashlabReport: { ready: boolean; trace: string; plots: Array<{ data: number[][]; root: HTMLElement }> };
}

/** Open a page, collecting script errors and every URL it requests. */
async function open(url: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  // The dark palette: the colours counted below are its own (Playwright's pages default to light).
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, colorScheme: 'dark' });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('request', (r) => void requests.push(r.url()));
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as ReportWindow).dashlabReport?.ready, null, { timeout: 20_000 });
  return { page, errors, requests };
}

/** Pixels of a plot's canvas close to an RGB colour: proof the series was drawn. */
function pixelsOf(page: Page, plotIndex: number, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ([i, [r, g, b]]) => {
      const p = (window as unknown as ReportWindow).dashlabReport.plots[i];
      const c = p.root.querySelector('canvas')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let k = 0; k < d.length; k += 4) if (Math.abs(d[k] - r) < 24 && Math.abs(d[k + 1] - g) < 24 && Math.abs(d[k + 2] - b) < 24) n++;
      return n;
    },
    [plotIndex, rgb] as const,
  );
}

describe('npm run compare --html', () => {
  it('writes a self-contained report that renders the table, the plots and the trace picker', async () => {
    const json = path.join(work.dir, 'r.json');
    const html = path.join(work.dir, 'r.html');
    const r = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--traces', 'norway_tram_6,norway_bus_15,fcc-14679-facebook', '--algos', 'bola,robust-mpc,dashlab', '--json', json, '--html', html, '--trace', 'norway_bus_15']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const out = JSON.parse(await readFile(json, 'utf8'));
    expect(out.traces).toEqual(['norway_tram_6', 'norway_bus_15', 'fcc-14679-facebook']);

    const { page, errors, requests } = await open(`file://${html}`);
    expect(errors).toEqual([]);
    // Self-contained: the file is the only thing loaded.
    expect(requests).toEqual([`file://${html}`]);
    // Three traces of three kinds: no table by kind of network.
    expect(await page.$('#networks')).toBeNull();
    // The table: one row per algorithm, best first, the numbers of the JSON.
    const rows = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((x) => x[0])).toEqual(out.summary.map((s: { algo: string }) => s.algo));
    expect(rows.map((x) => Number(x[1]))).toEqual(out.summary.map((s: { meanQoe: number }) => Number(s.meanQoe.toFixed(2))));
    // Four plots: the QoE CDF, the timeline's bitrate and buffer, bitrate against rebuffering.
    const plots = await page.evaluate(() => (window as unknown as ReportWindow).dashlabReport.plots.map((p) => ({ series: p.data.length - 1, points: p.data[0].length })));
    expect(plots).toHaveLength(4);
    expect(plots[0]).toEqual({ series: 3, points: expect.any(Number) });
    expect(plots[0].points).toBeGreaterThan(1);
    expect(plots[1].series).toBe(4); // link rate + 3 algorithms
    // Drawn, not just configured: the best algorithm's colour is on the CDF's canvas, the link
    // rate's on the timeline's, the algorithms' points on the scatter's.
    expect(await pixelsOf(page, 0, [0x8a, 0xb4, 0xff])).toBeGreaterThan(100);
    expect(await pixelsOf(page, 1, [0xd0, 0xd4, 0xdc])).toBeGreaterThan(100);
    expect(await pixelsOf(page, 3, [0x4c, 0xc3, 0x8a])).toBeGreaterThan(50);
    // The trace asked for is shown first; picking another redraws the timeline.
    expect(await page.evaluate(() => (window as unknown as ReportWindow).dashlabReport.trace)).toBe('norway_bus_15');
    const before = await page.evaluate(() => (window as unknown as ReportWindow).dashlabReport.plots[1].data[1].slice(0, 20));
    await page.selectOption('#trace', 'fcc-14679-facebook');
    expect(await page.evaluate(() => (window as unknown as ReportWindow).dashlabReport.trace)).toBe('fcc-14679-facebook');
    const plotsAfter = await page.evaluate(() => (window as unknown as ReportWindow).dashlabReport.plots.length);
    expect(plotsAfter).toBe(4);
    const after = await page.evaluate(() => (window as unknown as ReportWindow).dashlabReport.plots.at(-1)!.data[1].slice(0, 20));
    expect(after).not.toEqual(before);
    // Which algorithms the timeline shows: a checkbox each.
    await page.uncheck('#timeline-algos input[value="bola"]');
    const shown = await page.evaluate(() => (window as unknown as ReportWindow).dashlabReport.plots.map((p) => p.data.length - 1));
    expect(shown).toContain(3); // link rate + 2 algorithms
    // The sessions as JSON and CSV, saved from the page (it fetches nothing); no way back from a file.
    const [json2] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    const saved = JSON.parse(await readFile((await json2.path())!, 'utf8')) as { results: unknown[]; summary: unknown[] };
    expect(saved.results).toHaveLength(9);
    expect(saved.summary).toHaveLength(3);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('algo,trace,qoe,bitrateKbps,rebufferS,rebufferRatio,switches,startupS');
    expect(lines).toHaveLength(10);
    expect(await page.isHidden('#back')).toBe(true);
    await page.close();
  });

  it('prints mean QoE by kind of network when the traces are of several kinds', async () => {
    const html = path.join(work.dir, 'networks.html');
    // Two traces of each kind from the Norway test set, and one FCC trace (a kind of one: no row).
    const dir = path.join(work.dir, 'kinds');
    const fsp = await import('node:fs/promises');
    await fsp.mkdir(dir);
    const kinds = ['bus', 'car', 'ferry', 'metro', 'train', 'tram'];
    for (const k of kinds) for (const n of [1, 2]) await fsp.copyFile(path.join(TRACES_DIR, 'norway-test', `norway_${k}_${n}`), path.join(dir, `norway_${k}_${n}`));
    const r = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--traces', `${dir},fcc-14679-facebook`, '--algos', 'bba,dashlab,offline-optimal', '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mean QoE by kind of network/);
    // The offline optimum is a yardstick: the star goes to the best player, dashlab (bba is far behind on tram).
    expect(r.stdout).toMatch(/^norway_tram\s+2\s+-?\d+\.\d\d\s+\*-?\d+\.\d\d\s+-?\d+\.\d\d$/m);
    expect(r.stdout).not.toMatch(/^fcc/m);
    expect(r.stdout.match(/^norway_(bus|car|ferry|metro|train|tram)\s/gm)).toHaveLength(6);
    // The report shows the same table, the best player's QoE in bold.
    const { page, errors } = await open(`file://${html}`);
    expect(errors).toEqual([]);
    const rows = await page.$$eval('#networks tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => [td.textContent, getComputedStyle(td).fontWeight])));
    expect(rows.map((row) => row[0][0])).toEqual(['norway_bus', 'norway_car', 'norway_ferry', 'norway_metro', 'norway_train', 'norway_tram']);
    const head = await page.$$eval('#networks thead th', (ths) => ths.map((th) => th.textContent));
    const tram = rows[5];
    expect(tram[1][0]).toBe('2');
    expect(tram[head.indexOf('dashlab')][1]).toBe('700');
    expect(tram[head.indexOf('offline-optimal')][1]).not.toBe('700');
    expect(Number(tram[head.indexOf('offline-optimal')][0])).toBeGreaterThan(Number(tram[head.indexOf('dashlab')][0]));
    await page.close();
    // Two traces of two kinds: no such table.
    const few = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--traces', 'norway_tram_6,norway_bus_15', '--algos', 'bba']);
    expect(few.code, few.stderr).toBe(0);
    expect(few.stdout).not.toMatch(/by kind of network/);
  });

  it('refuses a --trace that is not among the traces, with a usage error', async () => {
    const r = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--traces', 'norway_tram_6', '--trace', 'nope', '--html', path.join(work.dir, 'x.html')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--trace nope: not one of the traces/);
  });

  it('scores learned with the video\'s own policy, learns one from --train for a video without, and never on its training traces', async () => {
    const own = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--algos', 'robust-mpc,learned', '--traces', 'norway_ferry_5,norway_bus_15']);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toMatch(/learned: the video's own policy \(learned from norway-train\)/);
    expect(own.stdout).toMatch(/^learned\s+-?\d+\.\d\d/m);
    expect(own.stdout).toMatch(/^robust-mpc\s+-?\d+\.\d\d/m);
    // The bundled policy learned from norway-train: one of those traces is refused by name, left out of "all".
    const trainTrace = 'norway-train/bus.ljansbakken-oslo-report.2010-09-28_1407CEST.log';
    const seen = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--algos', 'dashlab,learned', '--traces', trainTrace]);
    expect(seen.code).toBe(2);
    expect(seen.stderr).toMatch(/learned: bus\.ljansbakken-oslo-report\.2010-09-28_1407CEST\.log is among the traces its policy learned from \(norway-train\)/);
    const all = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--traces', trainTrace]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^learned left out: /m);
    expect(all.stdout).not.toMatch(/^learned\s+-?\d/m);
    // A video without a policy (an info.json alone): learned from --train first.
    const info = path.join(work.dir, 'bare.info.json');
    await (await import('node:fs/promises')).copyFile(path.join(BUNDLED_VIDEOS_DIR, 'pensieve-envivio.info.json'), info);
    const trained = await runScript('scripts/compare.ts', ['--video', info, '--algos', 'learned', '--train', 'norway_tram_6,norway_metro_1', '--traces', 'norway_ferry_5']);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/learned: pensieve-envivio has no abr-policy.json; learning one from 2 traces/);
    // Its policy of the outdated average-size format: read as none, with the reason, and learned anew.
    const fsp = await import('node:fs/promises');
    const policy = JSON.parse(await fsp.readFile(path.join(BUNDLED_VIDEOS_DIR, 'pensieve-envivio.abr-policy.json'), 'utf8'));
    await fsp.writeFile(path.join(work.dir, 'bare.abr-policy.json'), JSON.stringify({ ...policy, format: 'dashlab-abr-policy/1' }));
    const outdated = await runScript('scripts/compare.ts', ['--video', info, '--algos', 'dashlab,learned', '--train', 'norway_tram_6,norway_metro_1', '--traces', 'norway_ferry_5']);
    expect(outdated.code, outdated.stderr).toBe(0);
    expect(outdated.stdout).toMatch(/learned: cannot use .*bare\.abr-policy\.json: not an ABR policy: format dashlab-abr-policy\/1 is outdated: .*; learning one from 2 traces/);
    expect(outdated.stdout).toMatch(/^learned\s+-?\d+\.\d\d/m);
    await fsp.rm(path.join(work.dir, 'bare.abr-policy.json'));
    const trainedSeen = await runScript('scripts/compare.ts', ['--video', info, '--algos', 'learned', '--train', 'norway_tram_6,norway_metro_1', '--traces', 'norway_metro_1']);
    expect(trainedSeen.code).toBe(2);
    expect(trainedSeen.stderr).toMatch(/learned: norway_metro_1 is among the traces its policy learned from/);
    const pensieve = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--algos', 'learned', '--traces', 'norway_ferry_5', '--model', 'pensieve']);
    expect(pensieve.code).toBe(2);
    expect(pensieve.stderr).toMatch(/learned is computed in the dashlab model only/);
  });

  it('escapes what the data contains: a title cannot inject script', async () => {
    const v = await loadVideo('pensieve-envivio');
    const traces = await loadTraces('norway_tram_6');
    const result = await runComparison({ model: 'dashlab', video: v, traces, algos: ['bola'] });
    const title = '</script><script>window.pwned = 1</script><b>bold</b>';
    const file = path.join(work.dir, 'evil.html');
    await (await import('node:fs/promises')).writeFile(file, reportPage(buildReportData({ title, result, traces }), await loadReportAssets()));
    const { page, errors } = await open(`file://${file}`);
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.textContent('#title')).toBe(title);
    await page.close();
  });
});

describe('the ABR lab in the web UI', () => {
  it('lists videos and trace sets, and serves the report of a comparison', async () => {
    const form = await (await fetch(`${server.url}/reports`)).text();
    expect(form).toContain('value="pensieve-envivio"');
    expect(form).toContain('value="norway-test"');
    expect(await (await fetch(`${server.url}/`)).text()).toContain('href="/reports"');

    const { page, errors, requests } = await open(`${server.url}/reports/view?video=pensieve-envivio&traces=norway_tram_6,norway_ferry_5&algos=bola,dashlab&model=pensieve`);
    expect(errors).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(await page.$$eval('#summary tbody tr', (trs) => trs.length)).toBe(2);
    expect(await page.textContent('#subtitle')).toContain('pensieve model');
    // Served: the way back to the lab and the library.
    expect(await page.isVisible('#back a[href="/reports"]')).toBe(true);
    await page.close();
    // Traces in natural order: bus_2 before bus_10.
    const many = await open(`${server.url}/reports/view?video=pensieve-envivio&traces=norway-test&algos=bola,dashlab`);
    const order = await many.page.$$eval('#trace option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(order.indexOf('norway_bus_2')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('norway_bus_2')).toBeLessThan(order.indexOf('norway_bus_10'));
    await many.page.close();
    // The live model from the form: the rules made for live, the live QoE, the latency column.
    const live = await open(`${server.url}/reports/view?video=pensieve-envivio&traces=norway_tram_6,norway_ferry_5&algos=dashlab-live,l2a,lolp&model=live`);
    expect(live.errors).toEqual([]);
    expect(await live.page.textContent('#summary thead')).toContain('latency s');
    expect(await live.page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => tr.querySelector('td')!.textContent))).toEqual(expect.arrayContaining(['dashlab-live', 'l2a', 'lolp']));
    await live.page.close();
  });

  it('a library video whose policy is of the outdated format: learned left out of "all" with the reason on the page, refused when asked by name', async () => {
    const fsp = await import('node:fs/promises');
    const dir = path.join(work.dir, 'library', 'oldpolicy');
    await fsp.mkdir(dir, { recursive: true });
    await fsp.copyFile(path.join(BUNDLED_VIDEOS_DIR, 'pensieve-envivio.info.json'), path.join(dir, 'info.json'));
    const policy = JSON.parse(await readFile(path.join(BUNDLED_VIDEOS_DIR, 'pensieve-envivio.abr-policy.json'), 'utf8'));
    await fsp.writeFile(path.join(dir, 'abr-policy.json'), JSON.stringify({ ...policy, format: 'dashlab-abr-policy/1' }));
    try {
      const { page, errors } = await open(`${server.url}/reports/view?video=oldpolicy&traces=norway_tram_6,norway_ferry_5`);
      expect(errors).toEqual([]);
      const notes = await page.textContent('#notes');
      // Named by library id, not by the server's path.
      expect(notes).toMatch(/learned left out: .*policy cannot be used \(oldpolicy\/abr-policy\.json: not an ABR policy: format dashlab-abr-policy\/1 is outdated/);
      expect(notes).not.toContain(work.dir);
      const algos = await page.$$eval('#summary tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      expect(algos).toContain('dashlab');
      expect(algos).not.toContain('learned');
      await page.close();
      const named = await fetch(`${server.url}/reports/view?video=oldpolicy&traces=norway_tram_6&algos=dashlab,learned`);
      expect(named.status).toBe(400);
      expect(await named.text()).toMatch(/learned: .*format dashlab-abr-policy\/1 is outdated/);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('answers 400 with a reason for bad input, paths included, and keeps serving', async () => {
    const get = async (q: string) => {
      const res = await fetch(`${server.url}/reports/view?${q}`);
      return { status: res.status, body: await res.text() };
    };
    expect(await get('video=pensieve-envivio&traces=..%2F..%2Fetc%2Fpasswd')).toMatchObject({ status: 400, body: expect.stringMatching(/media\/traces/) });
    expect(await get('video=..%2F..%2Fetc&traces=norway_tram_6')).toMatchObject({ status: 400 });
    expect(await get('video=%2Fetc%2Fpasswd.json&traces=norway_tram_6')).toMatchObject({ status: 400 });
    expect(await get('video=nope&traces=norway_tram_6')).toMatchObject({ status: 400, body: expect.stringMatching(/no such video/) });
    expect(await get('video=pensieve-envivio&traces=norway_tram_6&algos=nope')).toMatchObject({ status: 400, body: expect.stringMatching(/unknown algorithm "nope"/) });
    expect(await get('video=pensieve-envivio&traces=norway-train&algos=dashlab,learned')).toMatchObject({ status: 400, body: expect.stringMatching(/learned: .* is among the traces its policy learned from \(norway-train\)/) });
    expect(await get('video=pensieve-envivio&traces=norway_tram_6&algos=learned&model=pensieve')).toMatchObject({ status: 400, body: expect.stringMatching(/learned is computed in the dashlab model only/) });
    expect(await get('video=pensieve-envivio&traces=mahimahi-12mbps&model=pensieve')).toMatchObject({ status: 400, body: expect.stringMatching(/Pensieve-format/) });
    expect((await fetch(`${server.url}/reports`)).status).toBe(200);
  });
});
