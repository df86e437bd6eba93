import { describe, expect, it } from 'vitest';
import { evaluate, parseEntityTags, parseHttpDate, parseRange, strongMatch, weakMatch } from '../../server/conditional-get/index.js';

const LM = Date.parse('Sun, 22 Nov 2026 06:00:00 GMT');
const v = { etag: '"abc"', lastModifiedMs: LM + 400, size: 1000 };
const OLDER = 'Sun, 22 Nov 2026 05:00:00 GMT';
const SAME = 'Sun, 22 Nov 2026 06:00:00 GMT';
const NEWER = 'Sun, 22 Nov 2026 07:00:00 GMT';
const get = (h: Record<string, string>) => evaluate('GET', h, v);

describe('entity tags', () => {
  it('parses lists, weak tags, * and commas inside tags', () => {
    expect(parseEntityTags('"a", W/"b",  "c,d"')).toEqual(['"a"', 'W/"b"', '"c,d"']);
    expect(parseEntityTags('*')).toEqual(['*']);
    expect(parseEntityTags('abc')).toBeUndefined();
    expect(parseEntityTags('"a" "b"')).toBeUndefined();
  });
  it('compares weakly and strongly (RFC 9110 8.8.3.2)', () => {
    expect(weakMatch('W/"1"', 'W/"1"')).toBe(true);
    expect(weakMatch('W/"1"', '"1"')).toBe(true);
    expect(strongMatch('W/"1"', '"1"')).toBe(false);
    expect(strongMatch('"1"', '"1"')).toBe(true);
    expect(weakMatch('"1"', '"2"')).toBe(false);
  });
});

describe('If-None-Match', () => {
  it('a match answers 304', () => expect(get({ 'if-none-match': '"abc"' })).toEqual({ status: 304 }));
  it('a weak match answers 304', () => expect(get({ 'if-none-match': 'W/"abc"' })).toEqual({ status: 304 }));
  it('a list with a match answers 304', () => expect(get({ 'if-none-match': '"x", "abc"' })).toEqual({ status: 304 }));
  it('* answers 304', () => expect(get({ 'if-none-match': '*' })).toEqual({ status: 304 }));
  it('no match answers 200', () => expect(get({ 'if-none-match': '"x", W/"y"' })).toEqual({ status: 200 }));
  it('wins over an older If-Modified-Since (nginx answers 200 here)', () =>
    expect(get({ 'if-none-match': '"abc"', 'if-modified-since': OLDER })).toEqual({ status: 304 }));
  it('a non-matching one makes If-Modified-Since be ignored', () =>
    expect(get({ 'if-none-match': '"x"', 'if-modified-since': NEWER })).toEqual({ status: 200 }));
  it('HEAD answers 304 too; other methods 412', () => {
    expect(evaluate('HEAD', { 'if-none-match': '"abc"' }, v)).toEqual({ status: 304 });
    expect(evaluate('PUT', { 'if-none-match': '*' }, v)).toEqual({ status: 412 });
  });
  it('a malformed value is ignored', () => expect(get({ 'if-none-match': 'abc' })).toEqual({ status: 200 }));
});

describe('If-Modified-Since', () => {
  it('not modified since answers 304 (second precision)', () => {
    expect(get({ 'if-modified-since': SAME })).toEqual({ status: 304 });
    expect(get({ 'if-modified-since': NEWER })).toEqual({ status: 304 });
  });
  it('modified since answers 200', () => expect(get({ 'if-modified-since': OLDER })).toEqual({ status: 200 }));
  it('an invalid date is ignored', () => expect(get({ 'if-modified-since': 'yesterday' })).toEqual({ status: 200 }));
  it('a date later than the server clock is invalid and ignored (RFC 9110 13.1.3; nginx answers 200)', () => {
    const clockAt = (iso: string) => Date.parse(iso);
    expect(evaluate('GET', { 'if-modified-since': NEWER }, v, clockAt('Sun, 22 Nov 2026 06:30:00 GMT'))).toEqual({ status: 200 });
    expect(evaluate('GET', { 'if-modified-since': NEWER }, v, clockAt('Sun, 22 Nov 2026 07:00:00 GMT'))).toEqual({ status: 304 });
  });
  it('obsolete date formats are understood', () => {
    expect(parseHttpDate('Sunday, 22-Nov-26 06:00:00 GMT')).toBe(LM);
    expect(parseHttpDate('Sun Nov 22 06:00:00 2026')).toBe(LM);
    expect(parseHttpDate('2026-11-22T06:00:00Z')).toBeUndefined();
  });
  it('is ignored for methods other than GET and HEAD', () =>
    expect(evaluate('POST', { 'if-modified-since': NEWER }, v)).toEqual({ status: 200 }));
});

describe('If-Match and If-Unmodified-Since', () => {
  it('If-Match needs a strong match', () => {
    expect(get({ 'if-match': '"abc"' })).toEqual({ status: 200 });
    expect(get({ 'if-match': 'W/"abc"' })).toEqual({ status: 412 });
    expect(get({ 'if-match': '"zzz"' })).toEqual({ status: 412 });
    expect(get({ 'if-match': '*' })).toEqual({ status: 200 });
  });
  it('If-Unmodified-Since before the change answers 412', () => {
    expect(get({ 'if-unmodified-since': OLDER })).toEqual({ status: 412 });
    expect(get({ 'if-unmodified-since': SAME })).toEqual({ status: 200 });
  });
});

describe('Range', () => {
  it('a single range answers 206', () => expect(get({ range: 'bytes=0-499' })).toEqual({ status: 206, start: 0, end: 499 }));
  it('an open end runs to the last byte', () => expect(get({ range: 'bytes=900-' })).toEqual({ status: 206, start: 900, end: 999 }));
  it('a suffix range gives the last bytes', () => expect(get({ range: 'bytes=-100' })).toEqual({ status: 206, start: 900, end: 999 }));
  it('a suffix longer than the content gives all of it', () => expect(get({ range: 'bytes=-5000' })).toEqual({ status: 206, start: 0, end: 999 }));
  it('an end past the content is clipped', () => expect(get({ range: 'bytes=500-99999' })).toEqual({ status: 206, start: 500, end: 999 }));
  it('a start past the content answers 416', () => expect(get({ range: 'bytes=1000-' })).toEqual({ status: 416 }));
  it('a zero-length suffix answers 416', () => expect(get({ range: 'bytes=-0' })).toEqual({ status: 416 }));
  it('an invalid range is ignored', () => {
    expect(get({ range: 'bytes=5-1' })).toEqual({ status: 200 });
    expect(get({ range: 'items=0-1' })).toEqual({ status: 200 });
    expect(get({ range: 'bytes=x-y' })).toEqual({ status: 200 });
  });
  it('several ranges are answered with the whole representation', () => {
    expect(get({ range: 'bytes=0-1,5-6' })).toEqual({ status: 200 });
    expect(parseRange('bytes=2000-3000,4000-', 1000)).toBe('unsatisfiable');
  });
  it('If-Range with the current strong ETag keeps the range, another ETag or a weak one drops it', () => {
    expect(get({ range: 'bytes=0-9', 'if-range': '"abc"' })).toEqual({ status: 206, start: 0, end: 9 });
    expect(get({ range: 'bytes=0-9', 'if-range': '"old"' })).toEqual({ status: 200 });
    expect(get({ range: 'bytes=0-9', 'if-range': 'W/"abc"' })).toEqual({ status: 200 });
  });
  it('If-Range with the Last-Modified date keeps the range, another date drops it', () => {
    expect(get({ range: 'bytes=0-9', 'if-range': SAME })).toEqual({ status: 206, start: 0, end: 9 });
    expect(get({ range: 'bytes=0-9', 'if-range': OLDER })).toEqual({ status: 200 });
  });
  it('a 304 takes precedence over a range', () =>
    expect(get({ range: 'bytes=0-9', 'if-none-match': '"abc"' })).toEqual({ status: 304 }));
  it('HEAD evaluates ranges as GET does', () =>
    expect(evaluate('HEAD', { range: 'bytes=0-9' }, v)).toEqual({ status: 206, start: 0, end: 9 }));
});
