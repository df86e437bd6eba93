/** The CDN tier's pure parts: CMCD both ways, CMSD, the steering order, the CDN-mode manifest. */
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { cmcdHeaders, cmcdOfRequest, encodeCmcd, parseCmcd, withCmcdQuery } from '../../core/cdn/cmcd.js';
import { parseCmsdDynamic } from '../../core/cdn/cmsd.js';
import { parseMpd } from '../../core/mpd/parse.js';
import { readSteeringRequest, steeringRequestUrl } from '../../core/mpd/steering.js';
import { cdnManifest, cdnPlaylist } from '../../server/cdn/manifest.js';
import { pathwayPriority, type EdgeView } from '../../core/cdn/steering-rule.js';

describe('CMCD (CTA-5004)', () => {
  const data = { sid: '6e2fb550-c457-11e9-bb97-0800200c9a66', cid: 'sample', br: 3200, bl: 21300, mtp: 25400, d: 4004, ot: 'v' as const, sf: 'd' as const, nor: 'v1-00002.m4s', su: true, bs: false };
  it('writes keys in order, strings quoted, true booleans bare, false ones left out', () => {
    expect(encodeCmcd(data)).toBe('bl=21300,br=3200,cid="sample",d=4004,mtp=25400,nor="v1-00002.m4s",ot=v,sf=d,sid="6e2fb550-c457-11e9-bb97-0800200c9a66",su');
  });
  it('reads back what it writes, from the query or the headers', () => {
    const { bs: _bs, ...sent } = data;
    expect(parseCmcd(encodeCmcd(data))).toEqual(sent);
    expect(cmcdOfRequest(withCmcdQuery('/media/x/a.m4s?v=1', data))).toEqual(sent);
    const headers = Object.fromEntries(Object.entries(cmcdHeaders(data)).map(([k, v]) => [k.toLowerCase(), v]));
    expect(Object.keys(headers).sort()).toEqual(['cmcd-object', 'cmcd-request', 'cmcd-session']);
    expect(cmcdOfRequest('/media/x/a.m4s', headers)).toEqual(sent);
  });
  it('skips what it does not know and never throws on what a client sends', () => {
    expect(parseCmcd('br=abc,xx=1,sid=unquoted,bl=-5,ot=video,mtp=100')).toEqual({ mtp: 100 });
    expect(cmcdOfRequest('/a?CMCD=%E0%A4%A')).toBeUndefined();
  });
});

describe('CMSD (CTA-5006)', () => {
  it('reads etp and mb of the server nearest the player', () => {
    expect(parseCmsdDynamic('"origin";etp=90000,"edge-1";etp=8000;mb=6400')).toEqual({ server: 'edge-1', etpKbps: 8000, mbKbps: 6400 });
    expect(parseCmsdDynamic('"x";rtt=40')).toBeUndefined();
    expect(parseCmsdDynamic(null)).toBeUndefined();
  });
});

describe('which node serves whom', () => {
  const edge = (id: string, o: Partial<EdgeView> = {}): EdgeView => ({ id, link: id, up: true, rateKbps: 10000, rttMs: 20, viewers: 0, capacity: 0, ...o });
  it('leaves dead edges out, puts the origin last, and prefers the faster link, then the shorter round trip', () => {
    expect(pathwayPriority([edge('a', { rateKbps: 8000 }), edge('b', { up: false }), edge('c', { rateKbps: 40000 }), edge('d', { rateKbps: 8000, rttMs: 5 })])).toEqual(['c', 'd', 'a', 'origin']);
    expect(pathwayPriority([edge('a', { up: false })])).toEqual(['origin']);
  });
  it('sends a client to its location first, unless that edge is full or down', () => {
    const edges = [edge('near', { rateKbps: 40000 }), edge('far', { rateKbps: 8000 })];
    expect(pathwayPriority(edges, { loc: 'far' })[0]).toBe('far');
    expect(pathwayPriority([edges[0], { ...edges[1], capacity: 2, viewers: 2 }], { loc: 'far' })[0]).toBe('near');
    expect(pathwayPriority([edges[0], { ...edges[1], up: false }], { loc: 'far' })).toEqual(['near', 'origin']);
  });
  it('believes a client that measured an edge at less than a quarter of its link, not a small shortfall', () => {
    const edges = [edge('a', { rateKbps: 20000 }), edge('b', { rateKbps: 18000 })];
    expect(pathwayPriority(edges, { reported: [{ pathway: 'a', bps: 17_000_000 }] })[0]).toBe('a');
    expect(pathwayPriority(edges, { reported: [{ pathway: 'a', bps: 2_000_000 }] })[0]).toBe('b');
  });
  it('reads and writes the steering request as dash.js does', () => {
    const url = steeringRequestUrl('http://o/cdn/steering?video=x', [{ pathway: 'edge-1', bps: 2500000 }, { pathway: 'edge-2' }]);
    expect(url).toBe('http://o/cdn/steering?video=x&_DASH_pathway=%22edge-1%2Cedge-2%22&_DASH_throughput=2500000%2C');
    expect(readSteeringRequest(new URL(url).searchParams)).toEqual([{ pathway: 'edge-1', bps: 2500000 }, { pathway: 'edge-2', bps: undefined }]);
  });
});

describe('the CDN-mode manifest', () => {
  const mpd = `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT8S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011"><ProgramInformation><Title>t</Title></ProgramInformation><BaseURL>old/</BaseURL><Period><AdaptationSet contentType="video" mimeType="video/mp4"><SegmentTemplate timescale="1" duration="4" media="v-$Number$.m4s" initialization="v-init.mp4" startNumber="1"/><Representation id="v" bandwidth="1000" codecs="avc1.64001e"/></AdaptationSet></Period></MPD>`;
  const edges = [{ id: 'edge-1', url: 'http://e1' }, { id: 'edge-2', url: 'http://e2' }];
  it('steering: a BaseURL per edge and the origin with serviceLocations, and ContentSteering, which the player reads', () => {
    const text = cdnManifest(mpd, { mode: 'steering', videoId: 'x', originUrl: 'http://o', edges, steeringUrl: 'http://o/cdn/steering?video=x', defaultServiceLocation: 'edge-2' });
    const m = parseMpd(text, 'http://o/media/x/manifest.mpd', new DOMParser() as never);
    expect(m.baseUrls).toEqual([{ url: 'http://e1/media/x/', serviceLocation: 'edge-1' }, { url: 'http://e2/media/x/', serviceLocation: 'edge-2' }, { url: 'http://o/media/x/', serviceLocation: 'origin' }]);
    expect(m.steering).toEqual({ serverUrl: 'http://o/cdn/steering?video=x', defaultServiceLocation: 'edge-2', queryBeforeStart: true });
    expect(m.adaptationSets[0].representations[0].segments[0].urls).toEqual(['http://e1/media/x/v-1.m4s', 'http://e2/media/x/v-1.m4s', 'http://o/media/x/v-1.m4s']);
    expect(text).not.toContain('old/');
    expect(text.indexOf('<BaseURL')).toBeGreaterThan(text.indexOf('</ProgramInformation>'));
  });
  it('redirect: one BaseURL at the router, with the location; client: the edges without steering', () => {
    const r = parseMpd(cdnManifest(mpd, { mode: 'redirect', videoId: 'x', originUrl: 'http://o', edges, steeringUrl: '', defaultServiceLocation: 'edge-1', loc: 'far' }), 'http://o/m.mpd', new DOMParser() as never);
    expect(r.baseUrls.map((b) => b.url)).toEqual(['http://o/cdn/route/far/media/x/']);
    const c = parseMpd(cdnManifest(mpd, { mode: 'client', videoId: 'x', originUrl: 'http://o', edges, steeringUrl: '', defaultServiceLocation: 'edge-1' }), 'http://o/m.mpd', new DOMParser() as never);
    expect([c.baseUrls.length, c.steering]).toEqual([2, undefined]);
  });
});

describe('the CDN-mode HLS playlist', () => {
  const master = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Main",DEFAULT=YES,URI="a0.m3u8"', '#EXT-X-STREAM-INF:BANDWIDTH=740792,CODECS="avc1.640015,mp4a.40.2",AUDIO="audio"', 'v0.m3u8', ''].join('\n');
  const input = { videoId: 'x', originUrl: 'http://o', edges: [{ id: 'edge-1', url: 'http://e1' }], steeringUrl: 'http://o/cdn/steering?video=x', defaultServiceLocation: 'edge-1' };
  it('steering: each variant and rendition per pathway, with its PATHWAY-ID, its own groups and absolute URIs, and EXT-X-CONTENT-STEERING', () => {
    const out = cdnPlaylist(master, { ...input, mode: 'steering' });
    expect(out).toContain('#EXT-X-CONTENT-STEERING:SERVER-URI="http://o/cdn/steering?video=x",PATHWAY-ID="edge-1"');
    expect(out).toContain('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio-edge-1",NAME="Main",DEFAULT=YES,URI="http://e1/media/x/a0.m3u8"');
    expect(out).toContain('#EXT-X-STREAM-INF:BANDWIDTH=740792,CODECS="avc1.640015,mp4a.40.2",AUDIO="audio-edge-1",PATHWAY-ID="edge-1"\nhttp://e1/media/x/v0.m3u8');
    expect(out).toContain('AUDIO="audio-origin",PATHWAY-ID="origin"\nhttp://o/media/x/v0.m3u8');
    expect(out.split('#EXT-X-STREAM-INF').length - 1).toBe(2);
  });
  it('redirect: every playlist URI at the router; client: as packaged', () => {
    const out = cdnPlaylist(master, { ...input, mode: 'redirect', loc: 'far' });
    expect(out).toContain('URI="http://o/cdn/route/far/media/x/a0.m3u8"');
    expect(out).toContain('\nhttp://o/cdn/route/far/media/x/v0.m3u8');
    expect(cdnPlaylist(master, { ...input, mode: 'client' })).toBe(master);
  });
  it('reads an HLS client’s steering request', () => {
    expect(readSteeringRequest(new URLSearchParams('_HLS_pathway=%22edge-2%22&_HLS_throughput=3500000'))).toEqual([{ pathway: 'edge-2', bps: 3500000 }]);
  });
});
