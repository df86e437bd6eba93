/** Writing a learned policy (abr-policy.json) whole or not at all: a reader never sees half of one. */
import { rename, rm, writeFile } from 'node:fs/promises';
import type { LearnedPolicy } from '../../core/abr/learned.js';

export async function writePolicyFile(out: string, policy: LearnedPolicy): Promise<void> {
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(policy) + '\n');
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
}
