import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two cores: ffmpeg-heavy files run two at a time at most.
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/setup/build-player.ts'],
  },
});
