/** Which jobs the library page lists: under way first, then the last day's failures; newest first. */
import { describe, expect, it } from 'vitest';
import { jobsToShow, type PageJob } from '../../server/ui/library-page.js';

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
