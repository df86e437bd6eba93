/**
 * The `learned` ABR's policy for a packaged video (core/abr/learned.ts), learned from the
 * shipped training traces in a process of its own (learner-process.ts): it takes seconds of
 * CPU (about 15 s for 48 segments), and a server packaging in-process must keep answering
 * (its shaper paces throttled players to the millisecond). The learner dies with the process
 * that started it, however that ends (server/packager/die-with-parent.ts).
 * `learnPolicyFor` is what the packaging pipeline is given (the job queue, npm run package);
 * `renewPolicy` learns a published video's policy again without encoding anything.
 */
import { spawn } from 'node:child_process';
import { copyFile, link, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { POLICY_FILE } from '../../core/abr/learned.js';
import { INFO_FILE, type VideoInfo } from '../../core/package-format.js';
import { PackagingError } from '../../server/packager/errors.js';
import { tiedCommand } from '../../server/packager/die-with-parent.js';
import { createStaging, diskFullError, discardStaging, etagOf, publish, publishedDir } from '../../server/packager/library.js';
import { simSegments, type SimVideo } from '../models/player-model.js';
import { simVideoOf } from '../inputs.js';
import { REPO_ROOT } from '../paths.js';

const LEARNER = fileURLToPath(new URL('./learner-process.ts', import.meta.url));

/** The training traces by default: Pensieve's 68 Norway training traces. */
export const DEFAULT_TRAINING = 'norway-train';

/** Learn a policy for `video` into `out`, in a child process; `train`: the traces to learn from. */
export async function learnPolicyInChild(video: SimVideo, out: string, opts: { signal?: AbortSignal; train?: string } = {}): Promise<void> {
  const { signal } = opts;
  const learner = await tiedCommand(process.execPath, ['--import', 'tsx', LEARNER]);
  if (signal?.aborted) throw new PackagingError('cancelled', 'packaging cancelled');
  const child = spawn(learner.cmd, learner.args, { cwd: REPO_ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', kill, { once: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  // A learner that dies before reading all of a long video's sizes: EPIPE here, and its exit
  // code below says what failed (an unhandled 'error' would take the server down).
  child.stdin.on('error', () => undefined);
  child.stdin.end(JSON.stringify({ video, train: opts.train ?? DEFAULT_TRAINING, out }));
  try {
    const { code, sig } = await new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve({ code: c, sig: s }));
    });
    if (signal?.aborted) throw new PackagingError('cancelled', 'packaging cancelled');
    // Killed by a signal (a stop of the whole process group): not the video's fault, and not a failure to keep.
    if (sig) throw new PackagingError('interrupted', `the policy learner was stopped (${sig})`);
    if (code !== 0) throw new PackagingError('learn', `learning the ABR policy failed (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
  } finally {
    signal?.removeEventListener('abort', kill);
  }
}

/**
 * The packaging pipeline's hook (server/packager: PackageOptions.learnAbrPolicy): a policy
 * for the video just packaged, from its segment sizes. With one segment there is nothing to
 * learn (its only choice is the start rule's): no file.
 */
export async function learnPolicyFor(info: Pick<VideoInfo, 'segmentDurationS' | 'durationS' | 'renditions'>, out: string, signal?: AbortSignal): Promise<void> {
  const sim = simVideoOf(info);
  if (simSegments(sim) > 1) await learnPolicyInChild(sim, out, { signal });
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
    await learnPolicyInChild(sim, path.join(staging, POLICY_FILE), { signal: opts.signal, train: opts.train });
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
