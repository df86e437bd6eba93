/**
 * What a worker on another machine asks of the origin (server/jobs/worker-routes.ts): the
 * upload of a job, and the finished package sent back. A connection that fails or an origin
 * that answers 502/503/504 is tried again with backoff, said in the log each time; a refusal
 * (a wrong token, a job no longer running, a package that failed the origin's checks) is not.
 */
import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { c as tarCreate } from 'tar';
import type { Logger } from '../../log.js';

/** Retries after 1, 2, 4, 8, 16, 30, 30... s; given up after RETRY_FOR_MS of trying. */
const RETRY_FOR_MS = 5 * 60_000;

/** A refusal from the origin: retrying cannot help. */
export class OriginRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'OriginRefused';
  }
}

export class OriginClient {
  readonly base: string;

  constructor(
    origin: string,
    private readonly token: string,
    private readonly log: Logger,
  ) {
    this.base = origin.replace(/\/+$/, '');
  }

  /** GET /api/worker/health: the origin is there and takes this token. */
  async check(signal?: AbortSignal): Promise<void> {
    await this.call('check the origin', signal, () => this.request('GET', '/api/worker/health', undefined, signal));
  }

  /** Download a job's upload (or its `subtitle`-th subtitle file) to `file`. */
  async fetchUpload(recordId: string, file: string, signal?: AbortSignal, subtitle?: number): Promise<void> {
    const route = `/api/worker/jobs/${encodeURIComponent(recordId)}/${subtitle === undefined ? 'upload' : `subtitles/${subtitle}`}`;
    await this.call(`fetch the ${subtitle === undefined ? 'upload' : `subtitle file ${subtitle}`} of job ${recordId}`, signal, async () => {
      const res = await this.request('GET', route, undefined, signal);
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file), { signal });
      return res;
    });
  }

  /** Send the published folder `dir` of `videoId` as a tar stream; the origin checks and publishes it. */
  async sendPackage(recordId: string, videoId: string, dir: string, signal?: AbortSignal): Promise<{ published: boolean }> {
    const names = (await readdir(dir)).sort();
    const res = await this.call(`send the package of job ${recordId}`, signal, () =>
      this.request('PUT', `/api/worker/jobs/${encodeURIComponent(recordId)}/package?video=${encodeURIComponent(videoId)}`, tarCreate({ cwd: dir, portable: true }, names) as unknown as AsyncIterable<Uint8Array>, signal),
    );
    return (await res.json()) as { published: boolean };
  }

  private async request(method: string, route: string, body: AsyncIterable<Uint8Array> | undefined, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(`${this.base}${route}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body ? { 'Content-Type': 'application/x-tar' } : {}) },
      body: body as unknown as BodyInit | undefined,
      signal,
      ...(body ? { duplex: 'half' } : {}),
    } as RequestInit);
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let error = text;
    try {
      error = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: the text itself
    }
    if (res.status === 502 || res.status === 503 || res.status === 504) throw new Error(`the origin answered ${res.status}: ${error.slice(0, 200)}`);
    throw new OriginRefused(res.status, `the origin refused to ${method === 'GET' ? 'serve' : 'take'} ${route} (${res.status}): ${error.slice(0, 300)}`);
  }

  /** Run `attempt` until it succeeds, a refusal, an abort, or RETRY_FOR_MS of failures. */
  private async call(what: string, signal: AbortSignal | undefined, attempt: () => Promise<Response>): Promise<Response> {
    const started = Date.now();
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof OriginRefused || (err as Error).name === 'AbortError') throw err;
        const reason = describe(err);
        if (Date.now() - started > RETRY_FOR_MS) throw new Error(`cannot ${what}: the origin at ${this.base} has not answered for ${Math.round(RETRY_FOR_MS / 60_000)} minutes (${reason})`);
        const waitS = Math.min(30, 2 ** n);
        this.log.warn(`cannot reach the origin; retrying in ${waitS} s`, { origin: this.base, doing: what, error: reason });
        await sleep(waitS * 1000, undefined, { signal });
      }
    }
  }
}

/** fetch's "fetch failed" with its cause (ECONNREFUSED, ...). */
function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
