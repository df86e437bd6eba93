/** Which jobs the library page lists (under way first, then the last day's failures; newest first), and when the job store forgets one. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgotten, JobStore, type JobRecord } from '../../server/jobs/store.js';
import { jobsToShow, type PageJob } from '../../server/pages/library-page.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const job = (id: string, state: PageJob['state'], createdHoursAgo: number, finishedHoursAgo?: number): PageJob => ({
  id,
  videoId: id,
  title: id,
  state,
  progress: 0,
  phase: undefined,
  speed: undefined,
  etaS: undefined,
  error: state === 'failed' ? 'why' : undefined,
  retryable: false,
  createdAt: new Date(NOW - createdHoursAgo * 3600_000).toISOString(),
  startedAt: undefined,
  finishedAt: finishedHoursAgo === undefined ? undefined : new Date(NOW - finishedHoursAgo * 3600_000).toISOString(),
});

describe('jobsToShow', () => {
  it('lists running and queued jobs newest first, then failures finished in the last 24 h; never done ones', () => {
    const shown = jobsToShow(
      [job('old-failure', 'failed', 30, 25), job('done', 'done', 1, 0.5), job('failure', 'failed', 3, 2), job('running', 'running', 2), job('queued', 'queued', 1), job('fresh-failure', 'failed', 1, 0.1)],
      NOW,
    );
    expect(shown.map((j) => j.id)).toEqual(['queued', 'running', 'fresh-failure', 'failure']);
  });

  it('shows at most 20', () => {
    expect(jobsToShow(Array.from({ length: 30 }, (_, i) => job(`q${i}`, 'queued', i)), NOW)).toHaveLength(20);
  });
});

describe('forgetting finished jobs after a day', () => {
  const record = (id: string, finishedHoursAgo: number | undefined, retryable?: boolean): JobRecord => ({
    id,
    videoId: id,
    title: id,
    state: finishedHoursAgo === undefined ? 'running' : 'failed',
    progress: 0,
    createdAt: new Date(Date.now() - 48 * 3600_000).toISOString(),
    finishedAt: finishedHoursAgo === undefined ? undefined : new Date(Date.now() - finishedHoursAgo * 3600_000).toISOString(),
    upload: `/u/${id}`,
    originalName: `${id}.mp4`,
    attempts: 1,
    retryable,
  });

  it('forgets a job finished over a day ago, unless its kept upload is still to be deleted', () => {
    expect(forgotten(record('old', 25))).toBe(true);
    expect(forgotten(record('old-kept', 25, true))).toBe(false);
    expect(forgotten(record('recent', 2))).toBe(false);
    expect(forgotten(record('running', undefined))).toBe(false);
  });

  it('the store drops forgotten jobs from memory and file on its next write', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dashlab-store-'));
    try {
      const store = new JobStore(dir);
      for (const j of [record('old', 25), record('old-kept', 25, true), record('recent', 2)]) store.put(j);
      expect(store.all().map((j) => j.id).sort()).toEqual(['old-kept', 'recent']);
      expect(new JobStore(dir).all().map((j) => j.id).sort()).toEqual(['old-kept', 'recent']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
