/**
 * One SourceBuffer with an append queue. A full buffer (QuotaExceededError) evicts media
 * already played and tries again.
 */
export class MediaBuffer {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly sb: SourceBuffer,
    private readonly video: HTMLMediaElement,
  ) {}

  private whenIdle(): Promise<void> {
    if (!this.sb.updating) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        this.sb.removeEventListener('updateend', done);
        this.sb.removeEventListener('error', fail);
        resolve();
      };
      const fail = () => {
        this.sb.removeEventListener('updateend', done);
        this.sb.removeEventListener('error', fail);
        reject(new Error('SourceBuffer error'));
      };
      this.sb.addEventListener('updateend', done);
      this.sb.addEventListener('error', fail);
    });
  }

  /** Another codec from the next append on (an audio track of another codec); throws where the browser cannot. */
  changeType(type: string): void {
    if (typeof this.sb.changeType !== 'function') throw new Error(`this browser cannot change a stream's codec (SourceBuffer.changeType) to ${type}`);
    void this.run(() => this.sb.changeType(type));
  }

  private run(op: () => void): Promise<void> {
    const next = this.queue.then(async () => {
      await this.whenIdle();
      op();
      await this.whenIdle();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async append(data: Uint8Array): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.run(() => this.sb.appendBuffer(data as BufferSource));
        return;
      } catch (err) {
        if ((err as DOMException).name !== 'QuotaExceededError' || attempt >= 3) throw err;
        // Full: drop what was played (keep 10 s behind the playhead for small seeks back).
        const behind = this.video.currentTime - 10 / (attempt + 1);
        if (behind <= 0) throw err;
        await this.remove(0, behind);
      }
    }
  }

  remove(start: number, end: number): Promise<void> {
    if (end <= start) return Promise.resolve();
    return this.run(() => this.sb.remove(start, end));
  }

  /** Seconds buffered ahead of `t` in the range that contains it. */
  aheadOf(t: number): number {
    const b = this.sb.buffered;
    for (let i = 0; i < b.length; i++) if (b.start(i) <= t + 0.1 && b.end(i) > t) return b.end(i) - t;
    return 0;
  }

  abort(): void {
    try {
      if (this.sb.updating) this.sb.abort();
    } catch {
      // already detached
    }
  }
}
