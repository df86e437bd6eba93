/** Shared command-line plumbing: one-line errors without stack traces, Ctrl-C that cleans up. */
import { PackagingError } from '../../server/packager/index.js';

export function fail(prog: string, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof PackagingError;
  process.stderr.write(`${prog}: error: ${message}\n`);
  if (!known && process.env.DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
  const code = known && err.code === 'usage' ? 2 : known && err.code === 'cancelled' ? 130 : 1;
  process.exit(code);
}

/** An AbortSignal that fires on the first Ctrl-C or SIGTERM (a second one exits at once). */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: stopping and cleaning up...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

export const fmtKbps = (bps: number) => `${Math.round(bps / 1000)}k`;
