/** Every reason the ABR algorithms and the engine give has plain words on the watch page. */
import { describe, expect, it } from 'vitest';
import { ABR_NAMES, createAbr } from '../../core/abr/index.js';
import { parseTrace } from '../../core/traces/index.js';
import { simulatePlayer, type SimVideo } from '../../lab/models/player-model.js';
import { plainReason } from '../../player/ui/reasons.js';

// A link that swings between starving and plenty, so every rule of every algorithm speaks.
const swinging = parseTrace('0 0.3\n20 8\n40 0.2\n55 3\n70 20\n90 0.5\n110 5\n', 'swinging');
const video: SimVideo = { bitrates: [300e3, 750e3, 1850e3, 4300e3], segmentS: 4, sizes: [300e3, 750e3, 1850e3, 4300e3].map((b) => Array(40).fill((b * 4) / 8)) };

describe('plain words for switch reasons', () => {
  it('has words for every reason every algorithm gives on a swinging link', () => {
    const unknown = new Map<string, string>();
    for (const name of ABR_NAMES) {
      const inner = createAbr(name);
      const abr = { ...inner, choose: (ctx: Parameters<typeof inner.choose>[0]) => {
        const d = inner.choose(ctx);
        if (!plainReason(d.reason)) unknown.set(d.reason, name);
        return d;
      } };
      simulatePlayer({ trace: swinging, video, algo: name, abr });
      // The first decision of a page that measured its own first downloads (the start hint).
      const hinted = createAbr(name).choose({ bitrates: video.bitrates, bufferS: 0, bufferTargetS: 30, segmentDurationS: 4, segmentIndex: 0, totalSegments: 40, history: [], lastIndex: undefined, nowS: 0, rebuffering: false, startHintBps: 3e6 });
      if (!plainReason(hinted.reason)) unknown.set(hinted.reason, name);
    }
    expect([...unknown]).toEqual([]);
  });

  it("says the engine's and the other players' reasons, with the numbers in them", () => {
    expect(plainReason('download abandoned: the buffer would run dry; refetching at the lowest bitrate')).toMatch(/too slow/);
    expect(plainReason('manual')).toBe('You chose this quality.');
    expect(plainReason('dash.js ABR')).toMatch(/dash\.js's own ABR/);
    expect(plainReason('hls.js ABR')).toMatch(/hls\.js's own ABR/);
    expect(plainReason('predicted 1850 kbit/s (min(harmonic, latest) / 1.12), plan 2221')).toMatch(/about 1\.9 Mbit\/s/);
    expect(plainReason('no learned policy for this video; dashlab: predicted 640 kbit/s (min(harmonic, latest) / 1.00), plan 1111')).toMatch(/^The learned policy cannot decide here \(no learned policy for this video\), so our own rule did\. The link is expected to carry about 640 kbit\/s/);
    expect(plainReason('something new')).toBeUndefined();
  });
});
