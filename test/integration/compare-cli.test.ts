/**
 * `npm run compare`'s --dashlab-error-cap, run as a user runs it: the sessions it writes are
 * those of dashlab with that cap (the held-out table's choice on Sabre's 4G logs is reproducible
 * from the command line), the file says so, and a value it cannot use is a usage error.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runComparison } from '../../lab/compare/compare.js';
import { loadTraces, loadVideo, TRACES_DIR } from '../../lab/inputs.js';
import { runScript } from '../helpers/media.js';

const dir = await mkdtemp(path.join(tmpdir(), 'dashlab-compare-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
// Two Norway test traces where a discount capped at 0.25 decides otherwise than the whole one.
const TRACES = ['norway_bus_1', 'norway_bus_14'];
const files = TRACES.map((t) => path.join(TRACES_DIR, 'norway-test', t));

it('--dashlab-error-cap plays dashlab with that cap, and the JSON says so', async () => {
  const json = path.join(dir, 'capped.json');
  const r = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--traces', files.join(','), '--algos', 'dashlab,robust-mpc', '--dashlab-error-cap', '0.25', '--json', json]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/dashlab: its discount counts errors up to 0\.25/);
  expect(r.stdout).toMatch(/dashlab model, video pensieve-envivio, 2 traces, dashlab's error cap 0\.25/); // the table's title
  const out = JSON.parse(await readFile(json, 'utf8')) as { dashlab?: { errorCap: number }; results: Array<{ algo: string; trace: string; qoe: number }> };
  expect(out.dashlab).toEqual({ errorCap: 0.25 });

  const video = await loadVideo('pensieve-envivio');
  const traces = (await loadTraces('norway-test')).filter((t) => TRACES.includes(t.name));
  const capped = await runComparison({ model: 'dashlab', video, traces, algos: ['dashlab'], dashlab: { errorCap: 0.25 } });
  const whole = await runComparison({ model: 'dashlab', video, traces, algos: ['dashlab'] });
  const cli = out.results.filter((x) => x.algo === 'dashlab').map((x) => x.qoe);
  expect(cli).toEqual(capped.results.map((x) => x.qoe));
  expect(cli).not.toEqual(whole.results.map((x) => x.qoe)); // the cap decides on these traces
});

it('refuses a cap it cannot use, and one outside the dashlab model', async () => {
  const base = ['--video', 'pensieve-envivio', '--traces', files[0], '--algos', 'dashlab'];
  const bad = await runScript('scripts/compare.ts', [...base, '--dashlab-error-cap', 'lots']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--dashlab-error-cap is a number of 0 or more, or none \(not "lots"\)/);
  const sabre = await runScript('scripts/compare.ts', ['--video', 'pensieve-envivio', '--traces', files[0], '--algos', 'bola', '--model', 'sabre', '--dashlab-error-cap', '0.5']);
  expect(sabre.code).toBe(2);
  expect(sabre.stderr).toMatch(/applies to the dashlab model only/);
});
