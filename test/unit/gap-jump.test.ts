import { expect, it } from 'vitest';
import { gapJumpTarget, MAX_GAP_S } from '../../player/engine/gap-jump.js';

const ranges = (...r: [number, number][]) => ({ length: r.length, start: (i: number) => r[i][0], end: (i: number) => r[i][1] });

it('moves a playhead a sliver before its first buffered frame into it (the live start that stayed seeking in Chromium)', () => {
  expect(gapJumpTarget(ranges([20.224, 33]), 20.1795)).toBeCloseTo(20.234, 6);
  expect(gapJumpTarget(ranges([10, 12], [42.24, 55]), 42.156)).toBeCloseTo(42.25, 6);
});

it('leaves a playhead inside a buffered range where it is, even when another range starts just after', () => {
  expect(gapJumpTarget(ranges([20, 21.9], [22, 30]), 21.8)).toBeUndefined();
  expect(gapJumpTarget(ranges([20, 30]), 20)).toBeUndefined();
});

it('does not jump a gap wider than MAX_GAP_S, nor backwards, nor with nothing buffered', () => {
  expect(gapJumpTarget(ranges([21, 30]), 21 - MAX_GAP_S - 0.01)).toBeUndefined();
  expect(gapJumpTarget(ranges([10, 20]), 20.1)).toBeUndefined();
  expect(gapJumpTarget(ranges(), 5)).toBeUndefined();
});
