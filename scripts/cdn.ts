/**
 * npm run cdn -- [--edges N] [--port P] [--profiles A,B,...] [--cache-mb M] [--ttl S] [--capacity C]
 *
 * The CDN tier on this machine, on loopback: the origin on P (default: PORT, or 8080) and N
 * nginx edges (default 3) on P+1..P+N, each with its own cache (M MB) and its own link to its
 * viewers (profiles, default near,far,congested). The composition root of that process: the
 * origin with the tier's routes (server/cdn). Ctrl-C stops everything it started.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkNginx } from '../server/cdn/nginx.js';
import type { EdgeSpec } from '../server/cdn/tier.js';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { buildPlayer } from './lib/build-player.js';
import { profileReader, startTier } from './lib/cdn-tier.js';
import { ensureSample } from './lib/sample.js';

const USAGE = 'usage: npm run cdn -- [--edges N] [--port P] [--profiles near,far,congested] [--cache-mb 256] [--ttl 5] [--capacity 0]';
const DEFAULT_PROFILES = ['near', 'far', 'congested'];

function usage(message: string): never {
  process.stderr.write(`cdn: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function intOption(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) usage(`--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { edges: { type: 'string' }, port: { type: 'string' }, profiles: { type: 'string' }, 'cache-mb': { type: 'string' }, ttl: { type: 'string' }, capacity: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const base = loadConfig();
  const port = intOption(args.port, 'port', 1, 65535 - 16, base.port);
  const n = intOption(args.edges, 'edges', 1, 16, 3);
  const cacheMb = intOption(args['cache-mb'], 'cache-mb', 1, 1024 * 1024, 256);
  const ttl = intOption(args.ttl, 'ttl', 1, 3600, 5);
  const capacity = intOption(args.capacity, 'capacity', 0, 100000, 0);
  const specs = args.profiles ? args.profiles.split(',').map((x) => x.trim()).filter(Boolean) : DEFAULT_PROFILES;
  if (!specs.length) usage('--profiles: give at least one link profile');
  const config = { ...base, port, host: '127.0.0.1', workers: 1 };

  // Edge links may name traces (trace-<name>): the shaper's traces resolve them.
  const { profileOf, close: closeTraces } = await profileReader(config);
  const edges: EdgeSpec[] = [];
  for (let i = 0; i < n; i++) {
    const spec = specs[i % specs.length];
    try {
      edges.push({ id: `edge-${i + 1}`, profile: profileOf(spec), port: port + 1 + i, cacheMb });
    } catch (err) {
      usage(`--profiles: ${(err as Error).message}`);
    }
  }

  const nginxVersion = await checkNginx();
  const log = createLogger();
  await buildPlayer();
  await ensureSample(config.mediaDir);
  const { tier, originUrl, stop: stopTier } = await startTier({ config, edges, workDir: path.join(os.tmpdir(), `dashlab-cdn-${port}`), ttlS: ttl, capacity, profileOf, log });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\ncdn: ${signal}: stopping the edges and the origin...\n`);
    await stopTier();
    closeTraces();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const out = process.stderr;
  out.write(`cdn: origin  ${originUrl}  (library ${config.mediaDir}; edges: ${nginxVersion})\n`);
  for (const e of tier.edges) out.write(`cdn: ${e.spec.id}  ${tier.urlOf(e)}  link ${e.spec.profile.spec} (${Math.round(e.front.rateKbps() / 100) / 10} Mbit/s now, ${e.spec.profile.rttMs} ms), cache ${cacheMb} MB, log ${e.nginx.accessLog}\n`);
  out.write(`cdn: steering ${originUrl}/cdn/steering (TTL ${ttl} s)\n`);
  out.write(`cdn: ready: open ${originUrl}/cdn (the tier at work), ${originUrl}/watch/sample (steered by default; ?cdn=redirect or ?cdn=client for the other modes)\n`);
}

main().catch((err) => {
  process.stderr.write(`cdn: error: ${(err as Error).message}\n`);
  process.exit(1);
});
