/**
 * Plain words for a switch's reason. The ABR algorithms (core/abr/) and the engine say why in
 * their own terms ("predicted 1850 kbit/s (min(harmonic, latest) / 1.12), plan 2221"); the
 * watch page's switch log shows this sentence beside it, for people who have not read the
 * papers. The first pattern that matches wins; test/unit/reasons.test.ts runs every algorithm
 * and checks each reason it gives has words here.
 */

const kbit = (s: string) => {
  const k = Number(s);
  return k >= 1000 ? `${(k / 1000).toFixed(1)} Mbit/s` : `${k} kbit/s`;
};

const PLAIN: ReadonlyArray<readonly [RegExp, (m: RegExpMatchArray) => string]> = [
  [/abandoned by the algorithm's own rule/, () => 'The download was too slow: the algorithm gave it up and fetched the segment again at a lower quality.'],
  [/^BOLA-E start: throughput (\d+)/, (m) => `Starting: the first downloads ran at about ${kbit(m[1])}, and this quality fits that (BOLA-E's placeholder buffer lets it start there).`],
  [/^BOLA-E start/, () => 'Starting: nothing is known about the link yet, so a quality that is safe on most links.'],
  [/abandoned/, () => 'The download was too slow to arrive before the buffer ran out: stopped, and fetched again at the lowest quality.'],
  [/^manual/, () => 'You chose this quality.'],
  [/^start: the page's first downloads measured (\d+)/, (m) => `Starting: the page's own first downloads (the manifest) ran at about ${kbit(m[1])}, and this quality fits that.`],
  [/^startup: throughput (\d+)/, (m) => `Starting: the first downloads ran at about ${kbit(m[1])}, and this quality fits that.`],
  [/^start/, () => 'Starting: nothing is known about the link yet, so a quality that is safe on most links.'],
  [/one bitrate/, () => 'There is only one quality.'],
  [/^learned:/, () => 'The learned policy chose this from the link rates it saw and the buffer.'],
  [/< reservoir/, () => 'Little video is buffered: the lowest quality, so the buffer refills before it runs out.'],
  [/above the cushion/, () => 'Plenty of video is buffered: the highest quality.'],
  [/in the cushion/, () => 'The quality follows how much video is buffered: more buffer, higher quality.'],
  [/rebuffer safety/, () => 'The buffer is low and the link is slow: a lower quality so that it does not stall.'],
  [/capped at throughput/, () => 'The buffer would allow more, but the link is too slow for it.'],
  [/^buffer [\d.]+\+/, () => 'The quality follows how much video is buffered (BOLA): more buffer, higher quality.'],
  [/small downloads only/, () => 'Only small downloads so far: their rate together is the best guess of the link.'],
  [/predicted (\d+) kbit\/s \(the server says (\d+)/, (m) => `The server says the link carries about ${kbit(m[2])} (CMSD): planned with ${kbit(m[1])}, the best plan for the next few segments starts with this one.`],
  [/predicted (\d+) kbit\/s/, (m) => `The link is expected to carry about ${kbit(m[1])}: the best plan for the next few segments, balancing quality against stalls and changes, starts with this one.`],
  [/x estimate (\d+)/, (m) => `The link was measured at about ${kbit(m[1])}: this is the highest quality that fits in a safe share of it.`],
  [/^L2A: no new download/, () => 'L2A keeps its last choice until a new download has finished.'],
  [/^L2A: w\.b (\d+)/, (m) => `L2A (online learning for low latency) steers toward about ${kbit(m[1])}: the quality its learned weights favour, held back when downloads fall behind the encoder.`],
  [/^LoL\+: no throughput/, () => 'Starting: nothing is known about the link yet, so a quality that is safe on most links.'],
  [/^LoL\+: buffer/, () => 'Little is buffered at this latency: LoL+ steps down so the next segment arrives before the buffer runs out.'],
  [/^LoL\+: nearest neuron/, () => 'LoL+ chose the quality its self-organising map finds nearest to the measured link with no stalls and no extra latency.'],
  [/^dashlab-live: start/, () => 'Starting: nothing is known about the link yet, so a quality that is safe on most links.'],
  [/^dashlab-live: plan on (\d+)/, (m) => `The link is expected to carry about ${kbit(m[1])}: the best plan for the next segments at this latency, balancing quality against stalls and changes, starts with this one.`],
  [/^dash\.js ABR/, () => "dash.js's own ABR chose this (it does not say why)."],
  [/^hls\.js ABR/, () => "hls.js's own ABR chose this (it does not say why)."],
];

/** The reason in plain words, or undefined when none is known for it (the technical text stands alone). */
export function plainReason(reason: string): string | undefined {
  // The learned policy's fallback: "<why not>; dashlab: <our rule's reason>".
  const fallback = reason.match(/^(.*?); dashlab: (.*)$/);
  if (fallback) return `The learned policy cannot decide here (${fallback[1]}), so our own rule did. ${plainReason(fallback[2]) ?? ''}`.trim();
  // The dynamic rule says which of its two rules decided: the words are that rule's.
  // So does L2A's start-up: the throughput rule's words.
  reason = reason.replace(/^(BOLA|throughput|L2A start-up): /, '');
  for (const [re, say] of PLAIN) {
    const m = reason.match(re);
    if (m) return say(m);
  }
  return undefined;
}
