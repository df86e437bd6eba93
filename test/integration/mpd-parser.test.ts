/**
 * The player's MPD parser on manifests that ffmpeg writes here ($Number$, $Time$ with a
 * SegmentTimeline, single-file SegmentList), on ours, on a SegmentBase with a real sidx,
 * and on malformed input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MpdError, parseDuration, parseMpd, fillTemplate, type Manifest } from '../../core/mpd/parse.js';
import { applySidx } from '../../player/engine/sidx.js';
import { runFfmpeg } from '../../server/packager/ffmpeg.js';
import { packageVideo } from '../../server/packager/index.js';
import { makeClip, tempDir } from '../helpers/media.js';

const dom = new DOMParser() as unknown as { parseFromString(x: string, t: string): Document };
let work: { dir: string; cleanup: () => Promise<void> };
let clip: string;
const BASE = 'http://cdn.example/v/';

beforeAll(async () => {
  work = await tempDir();
  clip = await makeClip(path.join(work.dir, 'src.mp4'), { width: 320, height: 180, durationS: 9, audio: true });
});
afterAll(async () => {
  await work?.cleanup();
});

async function dash(name: string, options: string[]): Promise<{ dir: string; mpd: string }> {
  const dir = path.join(work.dir, name);
  await (await import('node:fs/promises')).mkdir(dir, { recursive: true });
  await runFfmpeg({
    inputs: [{ source: clip }],
    outputs: [{
      target: path.join(dir, 'out.mpd'),
      options: ['-map', '0:v', '-map', '0:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
        '-c:a', 'aac', '-f', 'dash', '-seg_duration', '2', '-adaptation_sets', 'id=0,streams=v id=1,streams=a', ...options],
    }],
  });
  return { dir, mpd: await readFile(path.join(dir, 'out.mpd'), 'utf8') };
}

const total = (m: Manifest, set = 0) => m.adaptationSets[set].representations[0].segments.reduce((a, s) => a + s.durationS, 0);

describe('manifests ffmpeg writes', () => {
  it('SegmentTemplate with $Number$ and @duration', async () => {
    const { dir, mpd } = await dash('number', ['-use_template', '1', '-use_timeline', '0']);
    expect(mpd).toMatch(/\$Number%05d\$/);
    expect(mpd).not.toMatch(/SegmentTimeline/);
    const m = parseMpd(mpd, `${BASE}out.mpd`, dom);
    expect(m.type).toBe('static');
    expect(m.durationS).toBeCloseTo(9, 1);
    expect(m.adaptationSets.map((s) => s.contentType)).toEqual(['video', 'audio']);
    const v = m.adaptationSets[0].representations[0];
    expect(v.segments).toHaveLength(5);
    expect(v.segments[0]).toMatchObject({ number: 1, startS: 0, durationS: 2 });
    expect(v.segments[4].durationS).toBeCloseTo(1, 1);
    expect(total(m)).toBeCloseTo(9, 1);
    // The URLs point at files ffmpeg wrote.
    const files = await readdir(dir);
    for (const s of [v.init!, ...v.segments]) expect(files).toContain(s.urls[0].slice(BASE.length));
    expect(v.codecs).toMatch(/^avc1\./);
    expect(v.width).toBe(320);
  });

  it('SegmentTemplate with $Time$ and a SegmentTimeline (r repeats)', async () => {
    const { dir, mpd } = await dash('time', ['-use_template', '1', '-use_timeline', '1', '-media_seg_name', 'chunk-$RepresentationID$-$Time$.m4s']);
    expect(mpd).toMatch(/<S t="0" d="\d+" r="\d+"/);
    const m = parseMpd(mpd, `${BASE}out.mpd`, dom);
    const v = m.adaptationSets[0].representations[0];
    expect(v.segments).toHaveLength(5);
    expect(v.segments[1].startS).toBeCloseTo(2, 3);
    const files = await readdir(dir);
    for (const s of v.segments) expect(files).toContain(s.urls[0].slice(BASE.length));
    expect(v.segments[1].urls[0]).toMatch(/chunk-0-\d+\.m4s$/);
    const a = m.adaptationSets[1].representations[0];
    expect(total(m, 1)).toBeCloseTo(9, 1);
    expect(a.codecs).toBe('mp4a.40.2');
  });

  it('single-file SegmentList with media ranges', async () => {
    const { dir, mpd } = await dash('single', ['-single_file', '1', '-use_template', '0', '-use_timeline', '0']);
    expect(mpd).toMatch(/<SegmentURL mediaRange=/);
    const m = parseMpd(mpd, `${BASE}out.mpd`, dom);
    const v = m.adaptationSets[0].representations[0];
    expect(v.init?.range?.start).toBe(0);
    expect(v.segments.length).toBe(5);
    const file = path.join(dir, v.segments[0].urls[0].slice(BASE.length));
    const size = (await stat(file)).size;
    // Ranges tile the file after the init segment.
    expect(v.segments[0].range!.start).toBe(v.init!.range!.end + 1);
    for (let k = 1; k < v.segments.length; k++) expect(v.segments[k].range!.start).toBe(v.segments[k - 1].range!.end + 1);
    expect(v.segments.at(-1)!.range!.end).toBe(size - 1);
  });
});

describe('SegmentBase with a sidx (parsed with mp4box.js)', () => {
  it('reads segment ranges and times from the index', async () => {
    const { dir } = await dash('sidx', ['-single_file', '1', '-global_sidx', '1', '-use_template', '0', '-use_timeline', '0']);
    const media = (await readdir(dir)).find((f) => f.startsWith('out-stream0'))!;
    const bytes = await readFile(path.join(dir, media));
    // Find the top-level sidx box.
    let off = 0;
    let sidx: { start: number; end: number } | undefined;
    while (off < bytes.length) {
      const size = bytes.readUInt32BE(off);
      const type = bytes.toString('latin1', off + 4, off + 8);
      if (type === 'sidx') sidx = { start: off, end: off + size - 1 };
      if (type === 'moof' || size < 8) break;
      off += size;
    }
    expect(sidx).toBeDefined();
    const xml = `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT9S" minBufferTime="PT2S">
      <Period><AdaptationSet contentType="video" mimeType="video/mp4"><Representation id="v" bandwidth="500000" codecs="avc1.42c00d">
      <BaseURL>${media}</BaseURL><SegmentBase indexRange="${sidx!.start}-${sidx!.end}"><Initialization range="0-${sidx!.start - 1}"/></SegmentBase>
      </Representation></AdaptationSet></Period></MPD>`;
    const m = parseMpd(xml, `${BASE}x.mpd`, dom);
    const rep = m.adaptationSets[0].representations[0];
    expect(rep.segments).toEqual([]);
    expect(rep.segmentBase?.indexRange).toEqual(sidx);
    await applySidx(rep, bytes.subarray(sidx!.start, sidx!.end + 1));
    expect(rep.segments.length).toBe(5);
    expect(rep.segments[0].startS).toBe(0);
    expect(rep.segments[1].startS).toBeCloseTo(2, 3);
    expect(rep.segments.reduce((a, s) => a + s.durationS, 0)).toBeCloseTo(9, 1);
    expect(rep.segments[0].range!.start).toBe(sidx!.end + 1);
    expect(rep.segments.at(-1)!.range!.end).toBe(bytes.length - 1);
    // Each range starts with a moof (or styp) box.
    for (const s of rep.segments) expect(['moof', 'styp', 'sidx']).toContain(bytes.toString('latin1', s.range!.start + 4, s.range!.start + 8));
  });
});

describe('our own manifests', () => {
  it('parse to the files and sizes info.json lists', async () => {
    const mediaDir = path.join(work.dir, 'lib');
    const { info } = await packageVideo({ input: clip, mediaDir, id: 'own', ladder: '180p:300k,144p:150k' });
    const mpd = await readFile(path.join(mediaDir, 'own', 'manifest.mpd'), 'utf8');
    const m = parseMpd(mpd, 'http://127.0.0.1:8080/media/own/manifest.mpd', dom);
    const reps = m.adaptationSets[0].representations;
    expect(reps.map((r) => r.id)).toEqual(['v0', 'v1']);
    expect(reps[1].segments.map((s) => s.urls[0].split('/').pop())).toEqual(
      [1, 2, 3].map((n) => `v1-${info.version}-0000${n}.m4s`),
    );
    expect(m.title).toBe('src');
  });
});

describe('BaseURLs, templates and durations', () => {
  it('keeps every BaseURL, resolved level by level', () => {
    const xml = `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S">
      <BaseURL>https://a.example/root/</BaseURL><BaseURL>https://b.example/root/</BaseURL>
      <Period><AdaptationSet contentType="video"><BaseURL>video/</BaseURL>
      <SegmentTemplate media="$RepresentationID$/$Number$.m4s" initialization="$RepresentationID$/init.mp4" duration="2" timescale="1"/>
      <Representation id="hd" bandwidth="1000"/></AdaptationSet></Period></MPD>`;
    const rep = parseMpd(xml, 'https://origin.example/m/x.mpd', dom).adaptationSets[0].representations[0];
    expect(rep.init!.urls).toEqual(['https://a.example/root/video/hd/init.mp4', 'https://b.example/root/video/hd/init.mp4']);
    expect(rep.segments.map((s) => s.urls[0])).toEqual(['https://a.example/root/video/hd/1.m4s', 'https://a.example/root/video/hd/2.m4s']);
  });
  it('fills $Number%05d$, $Time$, $Bandwidth$ and $$', () => {
    expect(fillTemplate('a$Number%05d$-$Time$-$Bandwidth$-$$-$RepresentationID$', { id: 'x', number: 7, time: 1234, bandwidth: 500 })).toBe('a00007-1234-500-$-x');
  });
  it('handles a timeline jump (t) and r=-1', () => {
    const xml = `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S"><Period>
      <AdaptationSet contentType="video"><SegmentTemplate timescale="10" media="$Time$.m4s"><SegmentTimeline>
      <S t="0" d="20" r="1"/><S t="50" d="10" r="-1"/></SegmentTimeline></SegmentTemplate>
      <Representation id="r" bandwidth="1"/></AdaptationSet></Period></MPD>`;
    const segs = parseMpd(xml, 'http://x/m.mpd', dom).adaptationSets[0].representations[0].segments;
    expect(segs.map((s) => s.startS)).toEqual([0, 2, 5, 6, 7, 8, 9]);
    expect(segs.map((s) => s.urls[0])).toEqual(['http://x/0.m4s', 'http://x/20.m4s', 'http://x/50.m4s', 'http://x/60.m4s', 'http://x/70.m4s', 'http://x/80.m4s', 'http://x/90.m4s']);
  });
  it('reads ISO 8601 durations', () => {
    expect(parseDuration('PT1H2M3.5S')).toBe(3723.5);
    expect(parseDuration('P1DT1S')).toBe(86401);
    expect(parseDuration('PT0S')).toBe(0);
    expect(parseDuration('1 hour')).toBeUndefined();
  });
});

describe('malformed manifests give a clear error', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not XML', 'this is not xml <<<', /not well-formed XML|not a DASH manifest/],
    ['truncated', '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet>', /not well-formed XML|no duration|no Period/],
    ['HTML', '<html><body>404 Not Found</body></html>', /not a DASH manifest: the root element is <html>/],
    ['no period', '<MPD type="static" mediaPresentationDuration="PT1S"/>', /no Period/],
    ['no duration', '<MPD type="static"><Period><AdaptationSet><Representation id="a" bandwidth="1"><SegmentTemplate media="x" duration="1"/></Representation></AdaptationSet></Period></MPD>', /no duration/],
    ['no bandwidth', '<MPD mediaPresentationDuration="PT1S"><Period><AdaptationSet><Representation id="a"><SegmentTemplate media="x" duration="1"/></Representation></AdaptationSet></Period></MPD>', /Representation a: no valid @bandwidth/],
    ['no segment info', '<MPD mediaPresentationDuration="PT1S"><Period><AdaptationSet><Representation id="a" bandwidth="5"/></AdaptationSet></Period></MPD>', /no SegmentTemplate, SegmentList, SegmentBase or BaseURL/],
    ['bad timeline', '<MPD mediaPresentationDuration="PT1S"><Period><AdaptationSet><Representation id="a" bandwidth="5"><SegmentTemplate media="$Time$"><SegmentTimeline><S t="0"/></SegmentTimeline></SegmentTemplate></Representation></AdaptationSet></Period></MPD>', /without a positive @d/],
    ['bad range', '<MPD mediaPresentationDuration="PT1S"><Period><AdaptationSet><Representation id="a" bandwidth="5"><SegmentList duration="1"><SegmentURL mediaRange="x-y"/></SegmentList></Representation></AdaptationSet></Period></MPD>', /invalid byte range "x-y"/],
  ];
  for (const [name, xml, err] of cases) {
    it(name, () => {
      const quiet = new DOMParser({ onError: () => undefined }) as unknown as { parseFromString(x: string, t: string): Document };
      let thrown: unknown;
      try {
        parseMpd(xml, 'http://x/m.mpd', quiet);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(MpdError);
      expect((thrown as Error).message).toMatch(err);
    });
  }
});

