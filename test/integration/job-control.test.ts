/**
 * Cancelling and retrying packaging jobs through npm start as users run it (cluster mode on
 * two cores: both cross the IPC channel to the primary that runs the jobs). A queued or
 * running job is cancelled (the library page's Cancel button in real Chromium): its ffmpeg
 * stops, nothing is published, its upload and staging go. A job that fails for a reason not
 * the file's keeps its upload and can be retried (and two retries at once, on the queue
 * itself, run it once):
 * ffmpeg here is a real one behind a switch the test flips (a stand-in for a full disk or a
 * broken tool, fixed before the retry). The kept upload survives a restart, which sweeps
 * uploads a crash cut off; the library page's Retry button (real Chromium) runs it again; a
 * damaged file's failure deletes its upload and refuses a retry.
 */
import { chmod, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRefused } from '../../server/jobs/job-control.js';
import { JobQueue } from '../../server/jobs/queue.js';
import { JobStore, type JobRecord } from '../../server/jobs/store.js';
import { createLogger } from '../../server/log.js';
import { getTools } from '../../server/packager/ffmpeg.js';
import { packageVideo } from '../../server/packager/index.js';
import { launchBrowser } from '../helpers/browser.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { childrenNamed, spawnServer, waitFor, type ChildServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let mediaDir: string;
let flakyFfmpeg: string;
let broken: string;
/** The ffmpeg and ffprobe the project finds (PATH first), wherever this machine has them. */
let tools: Awaited<ReturnType<typeof getTools>>;
const servers: ChildServer[] = [];

interface Job {
  state: string;
  error?: string;
  retryable: boolean;
  videoId: string;
}

beforeAll(async () => {
  tools = await getTools();
  work = await tempDir();
  mediaDir = path.join(work.dir, 'library');
  // Seeded, so npm start does not package its sample first.
  const seed = await makeClip(path.join(work.dir, 'seed.mp4'), { width: 320, height: 180, durationS: 1.5, audio: false });
  await packageVideo({ input: seed, mediaDir, id: 'seed' });
  broken = path.join(work.dir, 'broken');
  flakyFfmpeg = path.join(work.dir, 'flaky-ffmpeg.sh');
  // The encode (the only run with -init_seg_name) fails while the switch file exists.
  await writeFile(flakyFfmpeg, `#!/bin/sh\ncase "$*" in *-init_seg_name*) if [ -e '${broken}' ]; then echo 'Error: the encoder is switched off by the test' >&2; exit 1; fi;; esac\nexec '${tools.ffmpeg}' "$@"\n`);
  await chmod(flakyFfmpeg, 0o755);
});
afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) await s.crash();
  await work?.cleanup();
});

const start = async () => {
  const s = await spawnServer({ MEDIA_DIR: mediaDir, FFMPEG_PATH: flakyFfmpeg, FFPROBE_PATH: tools.ffprobe });
  servers.push(s);
  return s;
};
const upload = async (url: string, file: string) => {
  const form = new FormData();
  form.append('file', new Blob([await readFile(file)]), path.basename(file));
  const res = await fetch(`${url}/api/videos`, { method: 'POST', body: form });
  expect(res.status).toBe(202);
  return (await res.json()) as { jobId: string; videoId: string };
};
const job = async (url: string, id: string) => (await (await fetch(`${url}/api/jobs/${id}`)).json()) as Job;
const settled = (url: string, id: string) => waitFor(async () => ((await job(url, id)).state.match(/^(done|failed)$/) ? job(url, id) : undefined), 120_000, `job ${id} to end`);
const retry = (url: string, id: string) => fetch(`${url}/api/jobs/${id}/retry`, { method: 'POST' });
const uploadsKept = () => readdir(path.join(mediaDir, '.uploads'));

describe('cancelling a job', () => {
  it('a queued one at once, a running one from the page: ffmpeg stops, nothing published, upload and staging gone', async () => {
    await mkdir(path.join(work.dir, 'cancel'), { recursive: true });
    const long = await makeClip(path.join(work.dir, 'cancel', 'long.mp4'), { width: 1280, height: 720, durationS: 30 });
    const short = await makeClip(path.join(work.dir, 'cancel', 'short.mp4'), { width: 320, height: 180, durationS: 2 });
    const server = await start();
    const running = await upload(server.url, long);
    const queued = await upload(server.url, short); // one job at a time: this one waits
    expect((await job(server.url, queued.jobId)).state).toBe('queued');
    // Its watch page, opened before it is ready, says how it goes and comes back by itself.
    const watching = (id: string, accept = 'text/plain') => fetch(`${server.url}/watch/${id}`, { headers: { accept } });
    const early = await watching(queued.videoId);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('5');
    expect(await early.text()).toBe(`"${queued.videoId}" is being packaged (waiting for the packager): this page plays it once it is ready\n`);
    expect(await (await watching(queued.videoId, 'text/html')).text()).toContain('<meta http-equiv="refresh" content="5">');
    const res = await fetch(`${server.url}/api/jobs/${queued.jobId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'failed', retryable: false, error: expect.stringMatching(/^cancelled by the user/) });

    await waitFor(async () => ((await job(server.url, running.jobId)).state === 'running' && (await childrenNamed(server.proc.pid!, 'ffmpeg')).length > 0 ? true : undefined), 60_000, 'the encode to run');
    expect(await (await watching(running.videoId)).text()).toMatch(new RegExp(`^"${running.videoId}" is being packaged \\((probe|encode|quality) \\d+%\\)`));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      page.on('dialog', (d) => void d.accept());
      await page.goto(server.url);
      const row = `li.job[data-job="${running.jobId}"]`;
      await page.click(`${row} button.cancel`);
      await page.waitForSelector(`${row}[data-state=failed]`, { timeout: 30_000 });
      expect(await page.locator(`${row} .what`).textContent()).toMatch(/^failed: cancelled by the user: nothing was published/);
      expect(await page.locator(`${row} button`).count()).toBe(0); // neither cancel nor retry
    } finally {
      await browser.close();
    }
    expect(await job(server.url, running.jobId)).toMatchObject({ state: 'failed', retryable: false });
    await waitFor(async () => ((await childrenNamed(server.proc.pid!, 'ffmpeg')).length === 0 ? true : undefined), 10_000, 'ffmpeg to stop');
    expect(((await (await fetch(`${server.url}/api/videos`)).json()) as Array<{ id: string }>).map((v) => v.id)).toEqual(['seed']);
    const gone = await watching(running.videoId);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toMatch(new RegExp(`^"${running.videoId}" was not published: its packaging failed \\(cancelled by the user`));
    expect(await uploadsKept()).toEqual([]);
    expect((await readdir(path.join(mediaDir, '.tmp'))).filter((n) => !n.endsWith('.link'))).toEqual([]);

    const again = await fetch(`${server.url}/api/jobs/${running.jobId}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/is failed: only a queued or running job can be cancelled/);
    expect((await fetch(`${server.url}/api/jobs/no-such-job`, { method: 'DELETE' })).status).toBe(404);
    expect(await server.stop()).toBe(0);
  }, 240_000);
});

describe('retrying a failed job', () => {
  it('two retries at once (a double click, two tabs): one queues it, the other is refused, and it runs once', async () => {
    const dir = path.join(work.dir, 'race');
    await mkdir(path.join(dir, '.uploads'), { recursive: true });
    const upload = path.join(dir, '.uploads', 'kept.upload');
    await writeFile(upload, 'not a video: the run that starts fails on it, as the file\'s fault');
    const store = new JobStore(path.join(dir, '.jobs'));
    const at = new Date().toISOString();
    store.put({ id: 'j', videoId: 'v', title: 'v', state: 'failed', progress: 0, createdAt: at, finishedAt: at, upload, originalName: 'v.mp4', attempts: 1, retryable: true, error: 'disk full' });
    const queue = new JobQueue({ store, mediaDir: dir, concurrency: 1, log: createLogger('error') });
    // Runs started: changes into 'running' (progress updates repeat the state).
    let runs = 0;
    let last = 'failed';
    queue.on('update', (j: JobRecord) => {
      if (j.state === 'running' && last !== 'running') runs++;
      last = j.state;
    });
    const both = await Promise.allSettled([queue.retry('j'), queue.retry('j')]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as JobRefused).status).toBe(409);
    await waitFor(async () => (store.get('j')?.state === 'failed' ? true : undefined), 30_000, 'the run to end');
    expect(runs).toBe(1);
    await queue.stop();
  });

  it('a retry whose video id was taken since (another upload of the same name) takes the next free one, touching no other video', async () => {
    const dir = path.join(work.dir, 'taken');
    await mkdir(path.join(dir, '.uploads'), { recursive: true });
    const upload = path.join(dir, '.uploads', 'kept.upload');
    await writeFile(upload, 'not a video');
    for (const id of ['my-talk', 'my-talk-2']) {
      await mkdir(path.join(dir, id));
      await writeFile(path.join(dir, id, 'info.json'), JSON.stringify({ id, mark: 'published before the retry' }));
    }
    const store = new JobStore(path.join(dir, '.jobs'));
    const at = new Date().toISOString();
    // Uploaded untitled as "My.Talk.mp4": its id came from the file's name (my-talk), taken since.
    store.put({ id: 'j', videoId: 'my-talk-2', title: 'My.Talk', state: 'failed', progress: 0, createdAt: at, finishedAt: at, upload, originalName: 'My.Talk.mp4', attempts: 1, retryable: true, error: 'disk full' });
    const queue = new JobQueue({ store, mediaDir: dir, concurrency: 1, log: createLogger('error') });
    const again = await queue.retry('j');
    expect(again).toMatchObject({ state: 'queued', videoId: 'my-talk-3' });
    await waitFor(async () => (store.get('j')?.state === 'failed' ? true : undefined), 30_000, 'the run to end');
    expect(store.get('j')?.videoId).toBe('my-talk-3');
    for (const id of ['my-talk', 'my-talk-2']) expect(JSON.parse(await readFile(path.join(dir, id, 'info.json'), 'utf8'))).toEqual({ id, mark: 'published before the retry' });
    await queue.stop();
  });

  it('a failure not the file\'s keeps the upload across a restart, and a retry publishes the video', async () => {
    const clip = await makeClip(path.join(work.dir, 'talk.mp4'), { width: 320, height: 180, durationS: 2 });
    await writeFile(broken, '');
    let server = await start();
    const { jobId, videoId } = await upload(server.url, clip);
    const failed = await settled(server.url, jobId);
    expect(failed).toMatchObject({ state: 'failed', retryable: true });
    expect(failed.error).toMatch(/the encoder is switched off by the test/);
    expect(await uploadsKept()).toHaveLength(1);

    // A restart keeps it (still retryable) and sweeps an upload a crash cut off long ago.
    const stale = path.join(mediaDir, '.uploads', 'cut-off-by-a-crash.part');
    await writeFile(stale, 'half an upload');
    await utimes(stale, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    expect(await server.stop()).toBe(0);
    server = await start();
    expect(await job(server.url, jobId)).toMatchObject({ state: 'failed', retryable: true });
    expect(await uploadsKept()).toHaveLength(1);
    expect(await uploadsKept()).not.toContain('cut-off-by-a-crash.part');

    // Fixed: the library page's Retry button runs it again and follows it until it is published; the upload goes.
    await rm(broken);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      const row = `li.job[data-job="${jobId}"]`;
      expect(await page.locator(`${row}[data-state=failed] .what`).textContent()).toMatch(/^failed: .*switched off by the test/);
      await page.click(`${row} button.retry`);
      await page.waitForSelector(`${row}[data-state=done] a[href="/watch/${videoId}"]`, { timeout: 120_000 });
      expect(await page.locator(`${row} button.retry`).count()).toBe(0);
    } finally {
      await browser.close();
    }
    expect(await job(server.url, jobId)).toMatchObject({ state: 'done', retryable: false });
    expect(((await (await fetch(`${server.url}/api/videos`)).json()) as Array<{ id: string }>).map((v) => v.id)).toContain(videoId);
    expect(await uploadsKept()).toEqual([]);

    // Nothing left to retry: a done job, an unknown one.
    const again = await retry(server.url, jobId);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/is done: only a failed job can be retried/);
    expect((await retry(server.url, 'no-such-job')).status).toBe(404);
    expect(await server.stop()).toBe(0);
  }, 300_000);

  it("a damaged file's failure deletes its upload and refuses a retry, saying why", async () => {
    const damaged = await makeClip(path.join(work.dir, 'damaged.mp4'), { durationS: 6, faststart: true, audio: false });
    const bytes = await readFile(damaged);
    bytes.fill(0, Math.floor(bytes.length / 4), bytes.length - 1000);
    await writeFile(damaged, bytes);
    const server = await start();
    const { jobId } = await upload(server.url, damaged);
    const failed = await settled(server.url, jobId);
    expect(failed).toMatchObject({ state: 'failed', retryable: false });
    expect(failed.error).toMatch(/^damaged\.mp4: the video is damaged/);
    expect(await uploadsKept()).toEqual([]);
    const res = await retry(server.url, jobId);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toMatch(/cannot be retried: its upload was not kept \(damaged\.mp4: the video is damaged.*\); upload the file again$/);
    expect(await server.stop()).toBe(0);
  }, 180_000);
});
