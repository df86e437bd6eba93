import { describe, expect, it } from 'vitest';
import { PackagingError } from '../../server/packager/errors.js';
import { defaultLadder, ladderFromSpec, parseLadderSpec } from '../../server/packager/ladder.js';
import { chooseOutputFps } from '../../server/packager/probe.js';
import { gopFor } from '../../server/packager/encode.js';

const sizes = (src: { width: number; height: number; fps: number }) =>
  defaultLadder(src).map((r) => `${r.width}x${r.height}@${r.kbps}`);

describe('default ladder', () => {
  it('1080p30 gets the five reference rungs', () => {
    expect(sizes({ width: 1920, height: 1080, fps: 30 })).toEqual([
      '1920x1080@5000', '1280x720@2800', '854x480@1400', '640x360@800', '426x240@400',
    ]);
  });
  it('720p never upscales', () => {
    expect(sizes({ width: 1280, height: 720, fps: 25 })).toEqual(['1280x720@2800', '854x480@1400', '640x360@800', '426x240@400']);
  });
  it('480p (853x480) keeps even sizes no wider than the source', () => {
    const l = defaultLadder({ width: 853, height: 480, fps: 30 });
    expect(l[0]).toMatchObject({ width: 852, height: 480 });
    for (const r of l) {
      expect(r.width % 2).toBe(0);
      expect(r.height % 2).toBe(0);
      expect(r.width).toBeLessThanOrEqual(853);
    }
    expect(l.map((r) => r.height)).toEqual([480, 360, 240]);
  });
  it('portrait 720x1280 keeps its orientation and aspect', () => {
    const l = defaultLadder({ width: 720, height: 1280, fps: 30 });
    expect(l.map((r) => `${r.width}x${r.height}`)).toEqual(['720x1280', '480x854', '360x640', '240x426']);
    expect(l[0].kbps).toBe(2800);
  });
  it('60 fps gets 1.5x the bitrate', () => {
    expect(defaultLadder({ width: 1920, height: 1080, fps: 60 }).map((r) => r.kbps)).toEqual([7500, 4200, 2100, 1200, 600]);
  });
  it('a source between rungs keeps its own size on top', () => {
    const l = defaultLadder({ width: 1600, height: 900, fps: 30 });
    expect(l[0]).toMatchObject({ width: 1600, height: 900 });
    expect(l[1]).toMatchObject({ width: 1280, height: 720 });
  });
  it('a tiny source is one rung at its own size', () => {
    expect(sizes({ width: 320, height: 180, fps: 30 })).toEqual(['320x180@250']);
  });
});

describe('--ladder', () => {
  it('parses k and M', () => {
    expect(parseLadderSpec('1080p:5000k, 720p:2.8M,360p:800000')).toEqual([
      { height: 1080, kbps: 5000 }, { height: 720, kbps: 2800 }, { height: 360, kbps: 800 },
    ]);
  });
  it('refuses nonsense with the part it could not read', () => {
    expect(() => parseLadderSpec('1080p=5000')).toThrow(/cannot read "1080p=5000"/);
    expect(() => parseLadderSpec('')).toThrow(PackagingError);
  });
  it('drops rungs above the source and says which', () => {
    const { rungs, skipped } = ladderFromSpec({ width: 1280, height: 720, fps: 30 }, parseLadderSpec('1080p:5000k,720p:2800k'));
    expect(skipped).toEqual(['1080p']);
    expect(rungs.map((r) => r.name)).toEqual(['720p']);
    expect(() => ladderFromSpec({ width: 640, height: 360, fps: 30 }, parseLadderSpec('1080p:5000k'))).toThrow(/never upscales/);
  });
});

describe('frame rate and GOP', () => {
  it('snaps near-standard rates and keeps others', () => {
    expect(chooseOutputFps(29.97)).toEqual({ num: 30000, den: 1001 });
    expect(chooseOutputFps(24.02)).toEqual({ num: 24, den: 1 });
    expect(chooseOutputFps(120)).toEqual({ num: 60, den: 1 });
    expect(chooseOutputFps(15)).toEqual({ num: 15, den: 1 });
  });
  it('GOP divides the segment', () => {
    expect(gopFor(4)).toBe(2);
    expect(gopFor(2)).toBe(2);
    expect(gopFor(1)).toBe(1);
    expect(gopFor(6)).toBe(2);
    expect(gopFor(5)).toBeCloseTo(5 / 3);
  });
});
