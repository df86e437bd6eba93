/** What the CDN load tools (cdn:load, bench:cdn) play: one small video published under many ids, and a way to time serving it. */
import { readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { LoadVideo } from '../../lab/cdn/load.js';
import { wrk } from './wrk.js';
import { packageVideo, runFfmpeg, type VideoInfo } from '../../server/packager/index.js';

/** One small video, packaged once, published under M ids (links to one package: M distinct URLs to cache, one copy on disk). */
export async function makeCatalog(mediaDir: string, m: number): Promise<{ videos: LoadVideo[]; info: VideoInfo }> {
  const master = path.join(mediaDir, '..', 'load-master.mp4');
  await runFfmpeg({
    inputs: [{ source: 'testsrc2=s=640x360:r=30:d=12', format: 'lavfi' }, { source: 'sine=f=440:d=12', format: 'lavfi' }],
    outputs: [{ target: master, options: ['-map', '0:v', '-map', '1:a', '-c:a', 'aac', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'] }],
  });
  const { info } = await packageVideo({ input: master, mediaDir, id: 'video-001', ladder: '360p:600k' });
  const target = await readlink(path.join(mediaDir, 'video-001'));
  const files = Object.keys(info.files).filter((f) => f.endsWith('.mp4') || f.endsWith('.m4s')).sort((a, b) => Number(b.endsWith('.mp4')) - Number(a.endsWith('.mp4')) || a.localeCompare(b));
  const videos: LoadVideo[] = [];
  for (let i = 1; i <= m; i++) {
    const id = `video-${String(i).padStart(3, '0')}`;
    if (i > 1) await symlink(target, path.join(mediaDir, id));
    videos.push({ id, files });
  }
  return { videos, info };
}

/**
 * Bits per second `base` serves the video's largest file at: wrk with 32 connections for 3 s
 * (a Node client would measure itself on two cores), after a warm-up.
 */
export async function measureServing(base: string, video: LoadVideo, info: VideoInfo): Promise<number> {
  const file = [...video.files].sort((a, b) => info.files[b].bytes - info.files[a].bytes)[0];
  const url = `${base}/media/${video.id}/${file}`;
  await wrk(url, { connections: 32, durationS: 1 });
  return (await wrk(url, { connections: 32, durationS: 3 })).mbPerS * 1048576 * 8;
}
