/**
 * The watch page's keyboard, as people know it from YouTube and Video.js: space and k play or
 * pause, ←/→ seek 5 s, ↑/↓ volume, f full screen, m mute, 0-9 jump to a tenth of the video.
 * Keys typed into a field (a select, the RTT box, the slider) stay the field's. A handled key's
 * default is prevented, which also keeps Chromium's own video controls from acting on it a
 * second time (space would otherwise pause and play again).
 */

export const SHORTCUTS: ReadonlyArray<readonly [keys: string, does: string]> = [
  ['space, k', 'play or pause'],
  ['← →', 'back or forward 5 s'],
  ['↑ ↓', 'volume'],
  ['m', 'mute'],
  ['f', 'full screen'],
  ['0-9', 'jump to 0%-90%'],
];

const SEEK_S = 5;
const VOLUME_STEP = 0.1;

/** Where typing belongs to the element with focus, not to the player. */
function isField(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  const tag = t.tagName;
  return tag === 'SELECT' || tag === 'TEXTAREA' || (tag === 'INPUT' && (t as HTMLInputElement).type !== 'checkbox');
}

/** What a key does to the video, or undefined when it is not ours. */
function action(key: string, video: HTMLVideoElement, fullscreenOf: HTMLElement): (() => void) | undefined {
  const seekTo = (t: number) => (video.currentTime = Math.max(0, Math.min(Number.isFinite(video.duration) ? video.duration - 0.1 : t, t)));
  const volume = (d: number) => {
    video.volume = Math.round(Math.max(0, Math.min(1, video.volume + d)) * 10) / 10;
    if (d > 0) video.muted = false;
  };
  switch (key) {
    case ' ':
    case 'k':
      return () => void (video.paused ? video.play().catch(() => undefined) : video.pause());
    case 'ArrowLeft':
      return () => seekTo(video.currentTime - SEEK_S);
    case 'ArrowRight':
      return () => seekTo(video.currentTime + SEEK_S);
    case 'ArrowUp':
      return () => volume(VOLUME_STEP);
    case 'ArrowDown':
      return () => volume(-VOLUME_STEP);
    case 'm':
      return () => (video.muted = !video.muted);
    case 'f':
      return () => void (document.fullscreenElement ? document.exitFullscreen() : fullscreenOf.requestFullscreen()).catch(() => undefined);
  }
  if (/^[0-9]$/.test(key) && Number.isFinite(video.duration)) return () => seekTo((video.duration * Number(key)) / 10);
  return undefined;
}

export function bindPlayerKeys(video: HTMLVideoElement, fullscreenOf: HTMLElement = video): void {
  addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || isField(e.target)) return;
    // A focused button, link or checkbox keeps space for itself (pressing it).
    if (e.key === ' ' && e.target instanceof HTMLElement && ['BUTTON', 'A', 'INPUT', 'SUMMARY'].includes(e.target.tagName)) return;
    const act = action(e.key.length === 1 ? e.key.toLowerCase() : e.key, video, fullscreenOf);
    if (!act) return;
    e.preventDefault();
    act();
  });
}

/** The list of keys, for the page to show (one list: the one above). */
export function showShortcuts(into: HTMLElement): void {
  const dl = document.createElement('dl');
  for (const [keys, does] of SHORTCUTS) {
    const dt = document.createElement('dt');
    const kbd = document.createElement('kbd');
    kbd.textContent = keys;
    dt.append(kbd);
    const dd = document.createElement('dd');
    dd.textContent = does;
    dl.append(dt, dd);
  }
  into.append(dl);
}
