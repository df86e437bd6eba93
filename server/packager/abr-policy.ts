/**
 * The `learned` ABR's policy for a video (player/abr/learned.ts), learned from the shipped
 * training traces by scripts/abr-policy.ts in a child process: it takes seconds of CPU
 * (about 15 s for 48 segments), and the server packaging in-process must keep answering
 * (its shaper paces throttled players to the millisecond). The packager learns one for every
 * video; `renewPolicy` learns a published video's again without encoding anything.
 */
import { spawn } from 'node:child_process';
import { copyFile, link, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { POLICY_FILE } from '../../player/abr/learned.js';
import { simSegments, type SimVideo } from '../../player/sim/dashlab-model.js';
import { REPO_ROOT } from '../config.js';
import { simVideoOf } from '../reports/inputs.js';
import { PackagingError } from './errors.js';
import { tiedCommand } from './tied.js';
import { createStaging, diskFullError, discardStaging, etagOf, publish, publishedDir } from './library.js';
import { INFO_FILE, type VideoInfo } from './types.js';

export const POLICY_SCRIPT = path.join(REPO_ROOT, 'scripts', 'abr-policy.ts');

/** `train`: the traces to learn from (scripts/abr-policy.ts's --train; default norway-train). */
export async function learnPolicy(video: SimVideo, out: string, signal?: AbortSignal, train?: string): Promise<void> {
  const learner = await tiedCommand(process.execPath, ['--import', 'tsx', POLICY_SCRIPT, '--sim', '-', '--out', out, '--quiet', ...(train ? ['--train', train] : [])]);
  if (signal?.aborted) throw new PackagingError('cancelled', 'packaging cancelled');
  const child = spawn(learner.cmd, learner.args, { cwd: REPO_ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', kill, { once: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  // A learner that dies before reading all of a long video's sizes: EPIPE here, and its exit
  // code below says what failed (an unhandled 'error' would take the server down).
  child.stdin.on('error', () => undefined);
  child.stdin.end(JSON.stringify(video));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (signal?.aborted) throw new PackagingError('cancelled', 'packaging cancelled');
    if (code !== 0) throw new PackagingError('learn', `learning the ABR policy failed (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
  } finally {
    signal?.removeEventListener('abort', kill);
  }
}

/**
 * Learn a published video's policy again (after an upgrade that outdates its format, or with
 * other training traces) and publish it like a new package, atomically: every other file is
 * the same file (hard-linked, or copied across devices) with the same validator and version
 * token, so caches keep their segments; info.json lists the new policy's validator and
 * `updatedAt`, which moves Last-Modified forward. Nothing is encoded.
 */
export async function renewPolicy(opts: { mediaDir: string; id: string; train?: string; signal?: AbortSignal }): Promise<{ info: VideoInfo; dir: string }> {
  const dir = await publishedDir(opts.mediaDir, opts.id);
  if (!dir) throw new PackagingError('usage', `no video "${opts.id}" in ${opts.mediaDir}`);
  const info = JSON.parse(await readFile(path.join(dir, INFO_FILE), 'utf8')) as VideoInfo;
  const sim = simVideoOf(info);
  if (simSegments(sim) <= 1) throw new PackagingError('usage', `${opts.id} has one segment: there is nothing for a policy to choose`);
  const staging = await createStaging(opts.mediaDir, opts.id);
  try {
    for (const name of await readdir(dir)) {
      if (name === INFO_FILE || name === POLICY_FILE) continue;
      await link(path.join(dir, name), path.join(staging, name)).catch(() => copyFile(path.join(dir, name), path.join(staging, name)));
    }
    await learnPolicy(sim, path.join(staging, POLICY_FILE), opts.signal, opts.train);
    const policyPath = path.join(staging, POLICY_FILE);
    const renewed: VideoInfo = {
      ...info,
      updatedAt: new Date().toISOString(),
      files: { ...info.files, [POLICY_FILE]: { bytes: (await stat(policyPath)).size, etag: await etagOf(policyPath) } },
    };
    await writeFile(path.join(staging, INFO_FILE), JSON.stringify(renewed, null, 2) + '\n');
    // Only over the version it was made from: a re-packaging meanwhile is not reverted.
    return { info: renewed, dir: await publish(opts.mediaDir, opts.id, staging, { replacing: dir }) };
  } catch (err) {
    const full = await diskFullError(opts.mediaDir, err);
    await discardStaging(staging);
    throw full ?? err;
  }
}
