/**
 * Subtitles uploaded with the video (the library page's "subtitles" field): packaged as text
 * tracks with the language from their names; a bad one refused at upload, by its name and
 * line, with nothing kept. On the embedded queue, and on Redis with a worker on another machine
 * (it fetches the subtitle files from the origin as it fetches the video).
 */
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_DIRS } from '../../server/config.js';
import { startRedisServer, type RedisServer } from '../../scripts/lib/redis-server.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { spawnWorker } from '../helpers/queue.js';
import { startServer, waitFor } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let clip: string;
beforeAll(async () => {
  work = await tempDir();
  clip = await makeClip(path.join(work.dir, 'talk.mp4'), { width: 320, height: 180, durationS: 6 });
});
afterAll(async () => {
  await work?.cleanup();
});

const FR = '1\n00:00:01,000 --> 00:00:02,500\nBonjour\n\n2\n00:00:03,000 --> 00:00:04,000\nÀ bientôt\n';
const BAD = '1\n00:00:01,000 --> 00:00:02,500\nok\n\n2\n00:00:03,000 --> 00:00:0x,000\nbad\n';

async function upload(url: string, subtitles: Array<[string, string]>): Promise<Response> {
  const form = new FormData();
  form.append('title', 'Talk');
  form.append('file', new Blob([new Uint8Array(await readFile(clip))]), 'talk.mp4');
  for (const [name, text] of subtitles) form.append('subtitles', new Blob([text]), name);
  return fetch(`${url}/api/videos`, { method: 'POST', body: form });
}

/** A video with a French and a Brazilian Portuguese subtitle file: published with both as text tracks, nothing left in .uploads. */
async function uploadAndExpectTextTracks(url: string, mediaDir: string): Promise<void> {
  const ok = await upload(url, [['talk.fr.srt', FR], ['talk.pt-BR.srt', FR]]);
  expect(ok.status).toBe(202);
  const { jobId, videoId } = (await ok.json()) as { jobId: string; videoId: string };
  await waitFor(async () => {
    const j = (await (await fetch(`${url}/api/jobs/${jobId}`)).json()) as { state: string; error?: string };
    if (j.state === 'failed') throw new Error(j.error);
    return j.state === 'done' ? true : undefined;
  }, 120_000, 'the job done');
  const dir = await realpath(path.join(mediaDir, videoId));
  const info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as { text?: Array<{ lang: string; file: string; cues: number }> };
  expect(info.text?.map((t) => [t.lang, t.cues])).toEqual([['fr', 2], ['pt-BR', 2]]);
  const vtt = await (await fetch(`${url}/media/${videoId}/${info.text![0].file}`)).text();
  expect(vtt).toContain('À bientôt');
  expect(await readdir(path.join(mediaDir, SERVER_DIRS.uploads))).toEqual([]);
}

describe('subtitles uploaded with the video', () => {
  it('embedded queue: packaged with the language of their names; a bad one refused by name and line, nothing kept', async () => {
    const mediaDir = path.join(work.dir, 'lib-embedded');
    const { dashlab, url } = await startServer({ mediaDir });
    try {
      const bad = await upload(url, [['talk.fr.srt', FR], ['talk.de.srt', BAD]]);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe('talk.de.srt: line 6: the timing "00:00:03,000 --> 00:00:0x,000" does not parse');
      expect(await readdir(path.join(mediaDir, SERVER_DIRS.uploads))).toEqual([]);
      const notText = await upload(url, [['notes.txt', 'hello']]);
      expect(notText.status).toBe(400);
      expect(((await notText.json()) as { error: string }).error).toMatch(/notes\.txt: subtitles must be SubRip/);
      await uploadAndExpectTextTracks(url, mediaDir);
    } finally {
      await dashlab.close();
    }
  }, 180_000);

  it('Redis queue: a worker on another machine fetches the subtitle files from the origin too', async () => {
    const redis: RedisServer = await startRedisServer(path.join(work.dir, 'redis'));
    const mediaDir = path.join(work.dir, 'lib-redis');
    const { dashlab, url } = await startServer({ mediaDir, redisUrl: redis.url, workerToken: 'subs-token', jobsConcurrency: 0 });
    const worker = await spawnWorker(['--origin', url, '--work-dir', path.join(work.dir, 'worker')], { REDIS_URL: redis.url, WORKER_TOKEN: 'subs-token' });
    try {
      await uploadAndExpectTextTracks(url, mediaDir);
    } finally {
      await worker.stop();
      await dashlab.close();
      await redis.stop();
    }
  }, 180_000);
});
