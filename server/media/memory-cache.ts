/** A byte-bounded LRU of file contents, for hot segments. Map order is recency order. */
export class MemoryCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(readonly capacityBytes: number) {}

  get(key: string): Buffer | undefined {
    const buf = this.entries.get(key);
    if (buf) {
      this.entries.delete(key);
      this.entries.set(key, buf);
    }
    return buf;
  }

  set(key: string, buf: Buffer): void {
    if (buf.length > this.capacityBytes / 4) return; // one file never crowds out the rest
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.length;
      this.entries.delete(key);
    }
    this.entries.set(key, buf);
    this.bytes += buf.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.capacityBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  deletePrefix(prefix: string): void {
    for (const [k, v] of this.entries) {
      if (k.startsWith(prefix)) {
        this.entries.delete(k);
        this.bytes -= v.length;
      }
    }
  }

  get size(): number {
    return this.bytes;
  }
}
