/**
 * npm run pensieve-video -- <dir with video_size_0..N> [--out FILE] [--bitrates 300,750,...]
 * Turns Pensieve-style per-chunk size files (one byte count a line, video_size_<q>, q = 0 the
 * lowest) into a dashlab info.json the simulator and `npm run compare` read.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, bitrates: { type: 'string', default: '300,750,1200,1850,2850,4300' }, chunks: { type: 'string', default: '48' }, segment: { type: 'string', default: '4' } },
});
if (positionals.length !== 1) {
  console.error('usage: npm run pensieve-video -- <dir with video_size_0..N> [--out info.json] [--bitrates 300,750,...] [--chunks 48] [--segment 4]');
  process.exit(2);
}
const dir = positionals[0];
const files = (await readdir(dir)).filter((f) => /^video_size_\d+$/.test(f)).sort((a, b) => Number(a.split('_')[2]) - Number(b.split('_')[2]));
const kbps = values.bitrates!.split(',').map(Number);
if (files.length !== kbps.length) {
  console.error(`found ${files.length} video_size files but ${kbps.length} bitrates; pass --bitrates`);
  process.exit(1);
}
const segmentS = Number(values.segment);
const chunks = Number(values.chunks);
const renditions = await Promise.all(
  files.map(async (f, q) => {
    const sizes = (await readFile(path.join(dir, f), 'utf8')).trim().split(/\s+/).map(Number);
    return { id: `v${q}`, kind: 'video', bandwidth: kbps[q] * 1000, averageBandwidth: kbps[q] * 1000, targetBandwidth: kbps[q] * 1000, codecs: 'avc1.64001f', segmentBytes: sizes };
  }),
);
const info = {
  id: 'pensieve-envivio',
  title: "Pensieve's test video (EnvivioDash3, 6 rungs, 4 s chunks)",
  durationS: chunks * segmentS,
  segmentDurationS: segmentS,
  createdAt: new Date(0).toISOString(),
  source: { name: 'hongzimao/pensieve sim/video_size_0..5', sizeBytes: 0, container: 'none', width: 1920, height: 1080, fps: 24, durationS: chunks * segmentS },
  renditions,
};
const out = values.out ?? 'info.json';
await writeFile(out, JSON.stringify(info, null, 2) + '\n');
console.log(`wrote ${out}: ${renditions.length} renditions, ${renditions[0].segmentBytes.length} sizes each, ${chunks} chunks of ${segmentS} s played`);
