/**
 * Uploads and packaging jobs on a real server: an upload that ends in a valid MPD, every bad
 * upload, a server killed with -9 in the middle of a job and restarted, its ffmpeg dying with it, write access beyond
 * loopback, metrics, graceful shutdown.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../../server/app.js';
import { packageVideo } from '../../server/packager/index.js';
import { makeClip, tempDir, validateMpd } from '../helpers/media.js';
import { alive, childrenNamed, spawnServer, startServer, waitFor } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work?.cleanup();
});

async function upload(url: string, file: string | Buffer, opts: { name?: string; title?: string; field?: string; headers?: Record<string, string> } = {}) {
  const form = new FormData();
  if (opts.title) form.append('title', opts.title);
  const bytes = typeof file === 'string' ? await readFile(file) : file;
  form.append(opts.field ?? 'file', new Blob([new Uint8Array(bytes)]), opts.name ?? (typeof file === 'string' ? path.basename(file) : 'upload.bin'));
  const res = await fetch(`${url}/api/videos`, { method: 'POST', body: form, headers: opts.headers });
  return { status: res.status, body: (await res.json()) as { jobId?: string; videoId?: string; error?: string } };
}

const job = async (url: string, id: string) => (await (await fetch(`${url}/api/jobs/${id}`)).json()) as { state: string; progress: number; error?: string };

describe('uploads and jobs', () => {
  let dashlab: Origin;
  let url: string;
  let mediaDir: string;

  beforeAll(async () => {
    mediaDir = path.join(work.dir, 'lib-upload');
    ({ dashlab, url } = await startServer({ mediaDir, maxUploadBytes: 3 * 1024 * 1024 }));
  });
  afterAll(async () => {
    await dashlab?.close();
  });

  it('an upload is packaged into a valid MPD, with progress as JSON and as server-sent events', async () => {
    const clip = await makeClip(path.join(work.dir, 'My Holiday (2026).mp4'), { width: 640, height: 360, durationS: 4 });
    const r = await upload(url, clip, { title: 'My holiday' });
    expect(r.status).toBe(202);
    expect(r.body.videoId).toBe('my-holiday');
    // Events: the current state first, then progress, then done.
    const events: string[] = [];
    const es = await fetch(`${url}/api/jobs/${r.body.jobId}/events`);
    expect(es.headers.get('content-type')).toBe('text/event-stream');
    const text = await es.text(); // the server ends the stream when the job is done
    for (const m of text.matchAll(/^event: (\w+)$/gm)) events.push(m[1]);
    expect(events.at(-1)).toBe('done');
    expect(events.filter((e) => e === 'progress').length).toBeGreaterThan(0);
    expect((await job(url, r.body.jobId!)).state).toBe('done');
    const list = (await (await fetch(`${url}/api/videos`)).json()) as Array<{ id: string; title: string; manifestUrl: string }>;
    expect(list.map((v) => [v.id, v.title])).toEqual([['my-holiday', 'My holiday']]);
    const mpd = await fetch(`${url}${list[0].manifestUrl}`);
    expect(mpd.status).toBe(200);
    await writeFile(path.join(work.dir, 'uploaded.mpd'), await mpd.text());
    expect((await validateMpd(path.join(work.dir, 'uploaded.mpd'))).ok).toBe(true);
    // The upload is gone once the video is published.
    expect(await readdir(path.join(mediaDir, '.uploads'))).toEqual([]);
  });

  it('the same name twice gets a second id instead of replacing the first', async () => {
    const clip = await makeClip(path.join(work.dir, 'again.mp4'), { width: 320, height: 180, durationS: 1.5, audio: false });
    const a = await upload(url, clip);
    const b = await upload(url, clip);
    expect([a.body.videoId, b.body.videoId]).toEqual(['again', 'again-2']);
    await waitFor(async () => (await job(url, b.body.jobId!)).state === 'done' || undefined, 60_000, 'second job');
  });

  it('not multipart: 400', async () => {
    const res = await fetch(`${url}/api/videos`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/multipart\/form-data/);
  });

  it('no file field: 400', async () => {
    const r = await upload(url, Buffer.from('x'), { field: 'other' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/no file/);
  });

  it('too large: 413, nothing kept', async () => {
    const r = await upload(url, Buffer.alloc(4 * 1024 * 1024, 1), { name: 'big.mp4' });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/limit/);
    expect(await readdir(path.join(mediaDir, '.uploads'))).toEqual([]);
  });

  it('not a video: 415 with a human message naming the file', async () => {
    const r = await upload(url, Buffer.from('just some text\n'.repeat(50)), { name: 'notes.txt' });
    expect(r.status).toBe(415);
    expect(r.body.error).toBe('notes.txt: not a media file ffmpeg can read');
    const empty = await upload(url, Buffer.alloc(0), { name: 'empty.mov' });
    expect(empty.status).toBe(415);
    expect(empty.body.error).toBe('empty.mov: the file is empty (0 bytes)');
    expect(await readdir(path.join(mediaDir, '.uploads'))).toEqual([]);
  });

  it('a client file name never becomes a path', async () => {
    const clip = await makeClip(path.join(work.dir, 'tiny.mp4'), { width: 320, height: 180, durationS: 1.5, audio: false });
    const r = await upload(url, clip, { name: '../../../../tmp/evil.mp4' });
    expect(r.status).toBe(202);
    expect(r.body.videoId).toBe('evil');
    await waitFor(async () => (await job(url, r.body.jobId!)).state === 'done' || undefined, 60_000, 'job');
  });

  it('deletes a video', async () => {
    const res = await fetch(`${url}/api/videos/again`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect((await fetch(`${url}/media/again/manifest.mpd`)).status).toBe(404);
    expect((await fetch(`${url}/api/videos/again`)).status).toBe(404);
    expect((await fetch(`${url}/api/videos/again`, { method: 'DELETE' })).status).toBe(404);
  });

  it('counts requests, bytes, 304s and ranges in /metrics', async () => {
    const m = await fetch(`${url}/media/my-holiday/manifest.mpd`);
    const etag = m.headers.get('etag')!;
    await fetch(`${url}/media/my-holiday/manifest.mpd`, { headers: { 'if-none-match': etag } });
    await fetch(`${url}/media/my-holiday/manifest.mpd`, { headers: { range: 'bytes=0-9' } });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/dashlab_http_requests_total\{route="media",status="304"\} [1-9]/);
    expect(text).toMatch(/dashlab_http_not_modified_total\{route="media"\} [1-9]/);
    expect(text).toMatch(/dashlab_http_range_requests_total\{route="media"\} [1-9]/);
    expect(text).toMatch(/dashlab_http_response_bytes_total\{route="media"\} [1-9]/);
    expect(text).toMatch(/dashlab_job_duration_seconds_count\{outcome="done"\} [1-9]/);
  });
});

describe('write access beyond loopback', () => {
  it('without UPLOAD_TOKEN uploads and deletes are refused with how to enable them; reading works', async () => {
    const mediaDir = path.join(work.dir, 'lib-open');
    const input = await makeClip(path.join(work.dir, 'ro.mp4'), { width: 320, height: 180, durationS: 1.5, audio: false });
    await packageVideo({ input, mediaDir, id: 'ro' });
    const { dashlab, url } = await startServer({ mediaDir, host: '0.0.0.0' });
    try {
      const local = url.replace('0.0.0.0', '127.0.0.1');
      const r = await upload(local, input);
      expect(r.status).toBe(403);
      expect(r.body.error).toMatch(/UPLOAD_TOKEN=.*Authorization: Bearer/);
      const del = await fetch(`${local}/api/videos/ro`, { method: 'DELETE' });
      expect(del.status).toBe(403);
      expect((await fetch(`${local}/media/ro/manifest.mpd`)).status).toBe(200);
    } finally {
      await dashlab.close();
    }
  });

  it('with UPLOAD_TOKEN the right bearer token is required', async () => {
    const mediaDir = path.join(work.dir, 'lib-token');
    const input = path.join(work.dir, 'ro.mp4');
    const { dashlab, url } = await startServer({ mediaDir, host: '0.0.0.0', uploadToken: 's3cret-token' });
    try {
      const local = url.replace('0.0.0.0', '127.0.0.1');
      expect((await upload(local, input)).status).toBe(401);
      expect((await upload(local, input, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await upload(local, input, { headers: { authorization: 'Bearer s3cret-token' } });
      expect(ok.status).toBe(202);
      await waitFor(async () => (await job(local, ok.body.jobId!)).state === 'done' || undefined, 60_000, 'job');
    } finally {
      await dashlab.close();
    }
  });
});

describe('crash recovery', () => {
  /**
   * A library holding one small video 'seed' (so the server does not package the built-in
   * sample first), and a 720p clip of `durationS` to upload.
   */
  async function seededLibrary(name: string, durationS: number): Promise<{ mediaDir: string; long: string }> {
    const mediaDir = path.join(work.dir, `lib-${name}`);
    const seed = await makeClip(path.join(work.dir, `seed-${name}.mp4`), { width: 320, height: 180, durationS: 1.5, audio: false });
    await packageVideo({ input: seed, mediaDir, id: 'seed' });
    // Uploaded as long.mp4, so the video's id is 'long'.
    await mkdir(path.join(work.dir, name));
    const long = await makeClip(path.join(work.dir, name, 'long.mp4'), { width: 1280, height: 720, durationS });
    return { mediaDir, long };
  }

  it('kill -9 during a job: the next start runs it again, never lists or serves the half-made video', async () => {
    const { mediaDir, long } = await seededLibrary('crash', 12);

    const first = await spawnServer({ MEDIA_DIR: mediaDir });
    const r = await upload(first.url, long);
    expect(r.status).toBe(202);
    await waitFor(async () => ((await job(first.url, r.body.jobId!)).progress > 5 ? true : undefined), 60_000, 'job to be running');
    await first.crash();

    // Half-made output exists on disk now, but is not the published video.
    expect((await readdir(path.join(mediaDir, '.tmp'))).length).toBeGreaterThan(0);
    expect(await readdir(mediaDir)).not.toContain('long');

    const second = await spawnServer({ MEDIA_DIR: mediaDir });
    try {
      const list = async () => ((await (await fetch(`${second.url}/api/videos`)).json()) as Array<{ id: string }>).map((v) => v.id);
      const now = await job(second.url, r.body.jobId!);
      expect(['queued', 'running']).toContain(now.state);
      if (now.state !== 'done') {
        expect(await list()).toEqual(['seed']);
        expect((await fetch(`${second.url}/media/long/manifest.mpd`)).status).toBe(404);
      }
      await waitFor(async () => ((await job(second.url, r.body.jobId!)).state === 'done' ? true : undefined), 240_000, 'job to finish');
      expect(await list()).toEqual(['seed', 'long']);
      expect((await fetch(`${second.url}/media/long/manifest.mpd`)).status).toBe(200);
      // The killed run's staging folder was swept; the upload is gone now that it is published.
      expect((await readdir(path.join(mediaDir, '.tmp'))).filter((n) => !n.endsWith('.link'))).toEqual([]);
      expect(await readdir(path.join(mediaDir, '.uploads'))).toEqual([]);
    } finally {
      expect(await second.stop()).toBe(0); // SIGTERM: a clean exit
    }
    // Two packagings of a 720p clip: ~30 s on a quiet machine, past 120 s on a loaded one.
  }, 300_000);

  it('a stop sent to the whole process group (Ctrl-C, systemd), at once after the upload and again while encoding, never blames the file: each next start runs the job, which ends done', async () => {
    const { mediaDir, long } = await seededLibrary('group-stop', 12);
    const states: string[] = [];
    const upload1 = path.join(mediaDir, '.uploads');
    let server = await spawnServer({ MEDIA_DIR: mediaDir });
    const r = await upload(server.url, long);
    expect(r.status).toBe(202);
    // At once: the packaging's first tools (ffmpeg's capability checks, ffprobe) get the signal with the server.
    expect(await server.stop({ group: true })).toBe(0);
    expect(await readdir(upload1)).toHaveLength(1); // the upload is kept
    server = await spawnServer({ MEDIA_DIR: mediaDir });
    try {
      states.push((await job(server.url, r.body.jobId!)).state);
      await waitFor(async () => {
        const j = await job(server.url, r.body.jobId!);
        states.push(j.state);
        return j.state === 'failed' || j.progress > 5 ? true : undefined;
      }, 120_000, 'the encode to be running again');
    } finally {
      expect(await server.stop({ group: true })).toBe(0); // while encoding
    }
    expect(await readdir(upload1)).toHaveLength(1);
    server = await spawnServer({ MEDIA_DIR: mediaDir });
    try {
      const end = await waitFor(async () => {
        const j = await job(server.url, r.body.jobId!);
        states.push(j.state);
        return j.state === 'done' || j.state === 'failed' ? j : undefined;
      }, 240_000, 'the job to end');
      expect(end).toMatchObject({ state: 'done' });
      expect(states).not.toContain('failed');
      expect((await fetch(`${server.url}/media/long/manifest.mpd`)).status).toBe(200);
    } finally {
      await server.stop({ group: true });
    }
  }, 420_000);

  it('kill -9 of the server process alone: its ffmpeg dies with it instead of encoding on for nobody', async () => {
    // Long enough that its encode cannot simply finish during the wait below.
    const { mediaDir, long } = await seededLibrary('orphan', 30);
    const server = await spawnServer({ MEDIA_DIR: mediaDir });
    try {
      const r = await upload(server.url, long);
      expect(r.status).toBe(202);
      // The encode itself (earlier ffmpeg runs, the poster's, are over in a moment anyway).
      await waitFor(async () => ((await job(server.url, r.body.jobId!)).progress > 5 ? true : undefined), 60_000, 'the encode to be running');
      const encoders = await waitFor(async () => {
        const pids = await childrenNamed(server.proc.pid!, 'ffmpeg');
        return pids.length ? pids : undefined;
      }, 60_000, 'the job to start ffmpeg');
      // The server process only, not its group (which Ctrl-C or systemd would take down anyway).
      process.kill(server.proc.pid!, 'SIGKILL');
      await waitFor(async () => ((await Promise.all(encoders.map(alive))).some(Boolean) ? undefined : true), 3000, `ffmpeg (${encoders.join(', ')}) to die with the server`);
    } finally {
      await server.crash().catch(() => undefined); // whatever is left of its group (HTTP workers)
    }
  }, 180_000);
});
