/** Where to fetch: the order in which the player tries the sources a manifest offers. */
import { describe, expect, it } from 'vitest';
import { checkSource, offerSources } from '../../core/mpd/offer-sources.js';
import { SOURCE_DEFAULTS, SourcePicker, sourceOf } from '../../player/engine/sources.js';

const A = 'https://edge-a.example/v/clip/seg-7.m4s';
const B = 'https://edge-b.example/v/clip/seg-7.m4s';
const C = 'https://origin.example/media/clip/seg-7.m4s?token=1';
const MB = 1_000_000;

describe('sourceOf', () => {
  it('is the URL without its file name and query', () => {
    expect(sourceOf(C)).toBe('https://origin.example/media/clip/');
    expect(sourceOf('http://h:8080/net/500kbps/media/clip/v0-1.m4s')).toBe('http://h:8080/net/500kbps/media/clip/');
  });
});

describe('SourcePicker', () => {
  it('one source: always it', () => {
    const p = new SourcePicker();
    p.failed(A, 0);
    expect(p.order([A], 1)).toEqual([A]);
  });

  it('measures every source once, in the manifest order, then prefers the fastest', () => {
    const p = new SourcePicker();
    expect(p.order([A, B, C], 0)).toEqual([A, B, C]);
    p.succeeded(A, MB, 4, 1); // 2 Mbit/s
    expect(p.order([A, B, C], 1)[0]).toBe(B); // not measured yet
    p.succeeded(B, MB, 1, 2); // 8 Mbit/s
    expect(p.order([A, B, C], 2)[0]).toBe(C);
    p.succeeded(C, MB, 2, 3); // 4 Mbit/s
    expect(p.order([A, B, C], 3)).toEqual([B, C, A]);
    // Another segment at the same sources: the same ranking (sources, not URLs).
    expect(p.order([A.replace('seg-7', 'seg-8'), B.replace('seg-7', 'seg-8')], 3)[0]).toBe(B.replace('seg-7', 'seg-8'));
  });

  it('while one unmeasured source is being measured, another request goes to the next (or to a measured one)', () => {
    const p = new SourcePicker();
    const endA = p.begin(A);
    expect(p.order([A, B, C], 0)).toEqual([B, C, A]);
    const endB = p.begin(B);
    expect(p.order([A, B, C], 0)[0]).toBe(C);
    p.succeeded(C, MB, 1, 0);
    expect(p.order([A, B, C], 0)).toEqual([C, A, B]);
    endA();
    endA(); // twice: counted once
    expect(p.order([A, B, C], 0)[0]).toBe(A);
    endB();
    expect(p.snapshot().map((s) => s.inflight)).toEqual([0, 0, 0]);
  });

  it('follows a source that slows down (an average of its downloads)', () => {
    const p = new SourcePicker();
    p.succeeded(A, MB, 1, 0); // 8 Mbit/s
    p.succeeded(B, MB, 2, 0); // 4 Mbit/s
    expect(p.order([A, B], 1)).toEqual([A, B]);
    p.succeeded(A, MB, 8, 2); // 1 Mbit/s: average 4.5, still ahead
    expect(p.order([A, B], 2)).toEqual([A, B]);
    p.succeeded(A, MB, 8, 3); // 1 Mbit/s again: 2.75 < 4
    expect(p.order([A, B], 3)).toEqual([B, A]);
  });

  it('puts a failed source last for retryAfterS, then tries it again', () => {
    const p = new SourcePicker();
    p.succeeded(A, MB, 1, 0);
    p.succeeded(B, MB, 2, 0);
    p.failed(A, 10);
    expect(p.order([A, B], 10)).toEqual([B, A]);
    expect(p.order([A, B], 10 + SOURCE_DEFAULTS.retryAfterS - 0.1)).toEqual([B, A]);
    p.succeeded(B, MB, 2, 19);
    expect(p.order([A, B], 10 + SOURCE_DEFAULTS.retryAfterS)).toEqual([A, B]);
    expect(p.snapshot().find((s) => s.source === sourceOf(A))).toMatchObject({ failures: 1, downloads: 1 });
  });

  it('backs off a source that keeps failing: twice as long after each failure in a row, reset by a success', () => {
    const p = new SourcePicker({ ...SOURCE_DEFAULTS, remeasureAfterS: Infinity });
    const r = SOURCE_DEFAULTS.retryAfterS;
    p.succeeded(B, MB, 8, 0); // measured, slow: A is preferred whenever it is not backed off
    p.failed(A, 0);
    expect(p.order([A, B], r)[0]).toBe(A); // tried again after retryAfterS
    p.failed(A, r);
    expect(p.order([A, B], r + 2 * r - 0.1)[0]).toBe(B);
    expect(p.order([A, B], r + 2 * r)[0]).toBe(A);
    p.failed(A, 3 * r);
    expect(p.order([A, B], 3 * r + 4 * r - 0.1)[0]).toBe(B);
    p.succeeded(A, MB, 1, 7 * r);
    p.failed(A, 8 * r);
    expect(p.order([A, B], 9 * r)[0]).toBe(A); // back to retryAfterS
  });

  it('measures a source again when it has not been used for remeasureAfterS', () => {
    const p = new SourcePicker();
    p.succeeded(A, MB, 4, 0); // slow
    p.succeeded(B, MB, 1, 0);
    for (let t = 5; t < SOURCE_DEFAULTS.remeasureAfterS; t += 5) {
      expect(p.order([A, B], t)[0]).toBe(B);
      p.succeeded(B, MB, 1, t);
    }
    expect(p.order([A, B], SOURCE_DEFAULTS.remeasureAfterS)[0]).toBe(A);
  });

  it('small downloads do not measure a source', () => {
    const p = new SourcePicker();
    p.succeeded(A, 900, 0.001, 0); // an init segment: 7 Mbit/s of nothing
    p.succeeded(B, MB, 2, 0);
    expect(p.snapshot().find((s) => s.source === sourceOf(A))?.bps).toBeUndefined();
    expect(p.order([A, B], 1)[0]).toBe(A); // still to be measured
  });
});

describe('offerSources', () => {
  const manifest = () => ({
    adaptationSets: [
      {
        representations: [
          {
            init: { urls: ['http://origin:8080/media/x/v0-init.mp4'] },
            segments: [{ urls: ['http://origin:8080/media/x/v0-1.m4s?t=1'] }, { urls: ['http://origin:8080/media/x/v0-2.m4s'] }],
          },
          { segments: [], segmentBase: { urls: ['http://origin:8080/media/x/a.mp4'] } },
        ],
      },
    ],
  });

  it('offers every segment, init segment and index at each source, in order, at the same path (query kept)', () => {
    const m = offerSources(manifest(), ['https://edge-a.example', 'https://cdn.example/dashlab/', 'http://origin:8080']);
    const [video, audio] = m.adaptationSets[0].representations;
    expect(video.init!.urls).toEqual(['https://edge-a.example/media/x/v0-init.mp4', 'https://cdn.example/dashlab/media/x/v0-init.mp4', 'http://origin:8080/media/x/v0-init.mp4']);
    expect(video.segments[0].urls).toEqual(['https://edge-a.example/media/x/v0-1.m4s?t=1', 'https://cdn.example/dashlab/media/x/v0-1.m4s?t=1', 'http://origin:8080/media/x/v0-1.m4s?t=1']);
    expect(audio.segmentBase!.urls[1]).toBe('https://cdn.example/dashlab/media/x/a.mp4');
    // Each becomes a source of its own for the picker.
    expect(new Set(video.segments.flatMap((s) => s.urls).map(sourceOf)).size).toBe(3);
  });

  it('refuses what is not an http(s) origin, with the reason', () => {
    expect(() => offerSources(manifest(), ['edge-a.example'])).toThrow(/not an absolute URL/);
    expect(() => offerSources(manifest(), ['ftp://edge.example'])).toThrow(/only http and https/);
    expect(() => offerSources(manifest(), ['https://edge.example/?token=1'])).toThrow(/without a query/);
    expect(() => checkSource('https://user:pw@edge.example')).toThrow(/credentials/);
  });
});
