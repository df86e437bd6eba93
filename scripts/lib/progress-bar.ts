/**
 * A one-line progress bar on stderr: label, bar, percent, speed (x real time) and ETA.
 * On a terminal it redraws in place; elsewhere (CI logs, pipes) it prints a line per 10%.
 */
export interface BarUpdate {
  percent: number;
  label?: string;
  speed?: number;
  etaS?: number;
}

const fmtTime = (s: number) => {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
};

export class ProgressBar {
  private lastDecile = -1;
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(u: BarUpdate): void {
    const pct = Math.max(0, Math.min(100, u.percent));
    const parts = [
      (u.label ?? '').padEnd(8),
      this.tty ? `[${'#'.repeat(Math.round((pct / 100) * this.width)).padEnd(this.width, '-')}]` : '',
      `${pct.toFixed(0).padStart(3)}%`,
      u.speed !== undefined && u.speed > 0 ? `${u.speed.toFixed(2)}x` : '',
      u.etaS !== undefined ? `ETA ${fmtTime(u.etaS)}` : '',
    ].filter(Boolean);
    const line = parts.join('  ');
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      const decile = Math.floor(pct / 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`${line}\n`);
      }
    }
  }

  done(message?: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    if (message) this.stream.write(`${message}\n`);
  }
}
