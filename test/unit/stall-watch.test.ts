/**
 * Stalls from a video element's events: rebuffering (nothing buffered) against a starved
 * decoder (media buffered). The element is a stand-in with the fields the watch reads.
 */
import { describe, expect, it } from 'vitest';
import { StallWatch } from '../../player/engine/stall-watch.js';

class FakeVideo extends EventTarget {
  currentTime = 0;
  ended = false;
  seeking = false;
  /** One buffered range [0, end). */
  end = 0;
  get buffered() {
    const end = this.end;
    return { length: end > 0 ? 1 : 0, start: () => 0, end: () => end };
  }
  fire(type: string) {
    this.dispatchEvent(new Event(type));
  }
}

function setup() {
  const video = new FakeVideo();
  let t = 0;
  const heard: boolean[] = [];
  const watch = new StallWatch(video as unknown as HTMLMediaElement, { now: () => t, ignore: () => video.seeking, onStall: (e) => heard.push(e.starved) });
  return { video, watch, heard, at: (s: number) => (t = s) };
}

describe('stall watch', () => {
  it('counts startup, then a stop with the buffer empty as rebuffering', () => {
    const { video, watch, heard, at } = setup();
    video.fire('waiting'); // before the first frame: startup, not a stall
    at(0.8);
    video.fire('playing');
    expect(watch.startupS).toBe(0.8);
    video.currentTime = 10;
    video.end = 10.05;
    at(12);
    video.fire('waiting');
    expect(watch.rebuffering).toBe(true);
    at(14.5);
    video.fire('playing');
    expect(watch.stalls).toEqual({ count: 1, seconds: 2.5 });
    expect(watch.starved).toEqual({ count: 0, seconds: 0 });
    expect(heard).toEqual([false]);
    expect(watch.rebuffering).toBe(false);
  });

  it('a stop with seconds buffered is the decoder starving, counted apart', () => {
    const { video, watch, heard, at } = setup();
    video.fire('playing');
    video.currentTime = 20;
    video.end = 26;
    at(21);
    video.fire('waiting');
    expect(watch.rebuffering).toBe(false);
    video.fire('waiting'); // repeated while stopped: one stop
    at(21.4);
    video.fire('playing');
    expect(watch.starved.count).toBe(1);
    expect(watch.starved.seconds).toBeCloseTo(0.4, 9);
    expect(watch.stalls).toEqual({ count: 0, seconds: 0 });
    expect(heard).toEqual([true]);
  });

  it('an append that lands between the buffer running dry and the event is still rebuffering', () => {
    const { video, watch, heard, at } = setup();
    video.fire('playing');
    video.currentTime = 10;
    video.end = 10.3;
    video.fire('timeupdate');
    at(10.3);
    video.currentTime = 10.3; // ran dry at 10.3...
    video.end = 14.3; // ...and the next segment's append completed before 'waiting' was handled
    video.fire('waiting');
    expect(watch.rebuffering).toBe(true);
    expect(heard).toEqual([false]);
    at(10.5);
    video.fire('playing');
    // The decoder falling behind with seconds buffered all along is still told apart.
    video.currentTime = 20;
    video.end = 26;
    video.fire('timeupdate');
    video.fire('waiting');
    expect(heard).toEqual([false, true]);
    // After a seek the last reading is of another place: what is buffered now decides.
    at(22);
    video.fire('playing');
    video.fire('seeking');
    video.currentTime = 40;
    video.end = 45;
    video.fire('waiting');
    expect(heard).toEqual([false, true, true]);
  });

  it('a seek or the end of the media is not a stall', () => {
    const { video, watch } = setup();
    video.fire('playing');
    video.seeking = true;
    video.fire('waiting');
    video.seeking = false;
    video.ended = true;
    video.fire('waiting');
    expect(watch.stalls.count + watch.starved.count).toBe(0);
  });
});
