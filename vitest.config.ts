import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One file at a time: the shaper's rates and the browser's playback are measured in real
    // time, and on two cores a parallel ffmpeg encode would skew them.
    fileParallelism: false,
    reporters: ['default'],
    globalSetup: ['test/setup/build-player.ts'],
  },
});
