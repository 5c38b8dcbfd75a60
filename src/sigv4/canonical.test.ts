// Unit tests for the canonical forms SigV4 signs: URI, query, header values, dates, signing key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalHeaderValue,
  canonicalQuery,
  canonicalUri,
  formatAmzDate,
  normalizeQueryComponent,
  parseAmzDate,
  parseQuery,
  signingKey,
  uriEncode,
} from './canonical.js';

const query = (raw: string, omit?: string): string => canonicalQuery(parseQuery(raw), omit);

describe('canonicalUri', () => {
  it('encodes an already-encoded path once more (non-S3 double encoding)', () => {
    assert.equal(
      canonicalUri('/2015-03-31/functions/f%3Aprod/invocations'),
      '/2015-03-31/functions/f%253Aprod/invocations',
    );
    assert.equal(canonicalUri('/functions/caf%C3%A9'), '/functions/caf%25C3%25A9');
  });

  it('escapes raw reserved characters and keeps unreserved ones and slashes', () => {
    assert.equal(canonicalUri('/functions/f:$LATEST'), '/functions/f%3A%24LATEST');
    assert.equal(canonicalUri('/a-b_c.d~e/'), '/a-b_c.d~e/');
    assert.equal(canonicalUri('/a b+c'), '/a%20b%2Bc');
  });

  it('escapes non-ASCII characters as UTF-8', () => {
    assert.equal(canonicalUri('/é/日'), '/%C3%A9/%E6%97%A5');
    assert.equal(canonicalUri('/😀'), '/%F0%9F%98%80');
  });

  it('removes dot segments and duplicate slashes, keeping a trailing slash', () => {
    assert.equal(canonicalUri('/a//b/./c/../d'), '/a/b/d');
    assert.equal(canonicalUri('//a//'), '/a/');
    assert.equal(canonicalUri('/a/.'), '/a');
    assert.equal(canonicalUri('/..'), '/');
    assert.equal(canonicalUri('/../../x'), '/x');
    assert.equal(canonicalUri('/.hidden/x'), '/.hidden/x');
  });

  it('turns an empty path into /', () => {
    assert.equal(canonicalUri(''), '/');
    assert.equal(canonicalUri('/'), '/');
    assert.equal(canonicalUri('//'), '/');
  });
});

describe('canonical query', () => {
  it('keeps canonical escapes as they are', () => {
    assert.equal(query('Qualifier=%24LATEST'), 'Qualifier=%24LATEST');
    assert.equal(query('q=%E6%97%A5%20x'), 'q=%E6%97%A5%20x');
  });

  it('sorts by key, then by value for repeated keys', () => {
    assert.equal(query('b=2&a=1&c=3'), 'a=1&b=2&c=3');
    assert.equal(query('tag=b&tag=a&tag=10&tag=1'), 'tag=1&tag=10&tag=a&tag=b');
    assert.equal(query('a=1&A=1&_=1&~=1&-=1'), '-=1&A=1&_=1&a=1&~=1'); // byte order
  });

  it('writes empty and missing values as k=', () => {
    assert.equal(query('Marker=&MaxItems=10'), 'Marker=&MaxItems=10');
    assert.equal(query('flag&a=1'), 'a=1&flag=');
  });

  it('re-encodes non-canonical escapes and raw characters', () => {
    assert.equal(query('q=%3a'), 'q=%3A'); // upper-case hex
    assert.equal(query('q=%7E%41'), 'q=~A'); // unreserved are never escaped
    assert.equal(query('q=$LATEST'), 'q=%24LATEST');
    assert.equal(query('q=a+b'), 'q=a%2Bb'); // '+' is literal, not a space
    assert.equal(query('q=a/b'), 'q=a%2Fb');
    assert.equal(query('q=100%'), 'q=100%25');
    assert.equal(query('q=%zz'), 'q=%25zz');
    assert.equal(query('q=%E6%97%a5'), 'q=%E6%97%A5');
    assert.equal(query('k%3D=v=w'), 'k%3D=v%3Dw'); // only the first '=' separates
  });

  it('skips empty pairs and can omit a key', () => {
    assert.equal(query(''), '');
    assert.equal(query('a=1&&b=2&'), 'a=1&b=2');
    assert.equal(query('X-Amz-Signature=abc&X-Amz-Date=1', 'X-Amz-Signature'), 'X-Amz-Date=1');
  });

  it('returns an already-canonical component unchanged', () => {
    const s = 'arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af';
    assert.equal(normalizeQueryComponent(s), s);
    assert.equal(uriEncode('plain-value_1.2~'), 'plain-value_1.2~');
  });
});

describe('canonicalHeaderValue', () => {
  it('trims and collapses runs of spaces and tabs', () => {
    assert.equal(canonicalHeaderValue('  a   b \t c  '), 'a b c');
    assert.equal(canonicalHeaderValue('"a  b"'), '"a b"');
    assert.equal(canonicalHeaderValue('already clean'), 'already clean');
    assert.equal(canonicalHeaderValue(''), '');
  });

  it('joins repeated values with a bare comma, each trimmed', () => {
    assert.equal(canonicalHeaderValue([' a ', 'b  c']), 'a,b c');
    assert.equal(canonicalHeaderValue(['only']), 'only');
    assert.equal(canonicalHeaderValue(undefined), '');
  });
});

describe('X-Amz-Date', () => {
  it('formats and parses the ISO 8601 basic format', () => {
    const ms = Date.UTC(2015, 7, 30, 12, 36, 0);
    assert.equal(formatAmzDate(ms), '20150830T123600Z');
    assert.equal(formatAmzDate(ms + 999), '20150830T123600Z');
    assert.equal(parseAmzDate('20150830T123600Z'), ms);
  });

  it('rejects anything else', () => {
    const bad = ['2015-08-30T12:36:00Z', '20150830T123600', '20150830 123600Z', '2015083OT123600Z', ''];
    const outOfRange = ['20150231T000000Z', '20151330T000000Z', '20150830T246000Z', '20150830T126000Z'];
    for (const value of [...bad, ...outOfRange]) {
      assert.equal(parseAmzDate(value), undefined, value);
    }
  });
});

describe('signingKey', () => {
  it('is derived once per secret, date, region and service', () => {
    const a = signingKey('secret', '20150830', 'us-east-1', 'lambda');
    assert.equal(signingKey('secret', '20150830', 'us-east-1', 'lambda'), a); // the cached Buffer
    assert.equal(a.length, 32);
    for (const other of [
      signingKey('secret2', '20150830', 'us-east-1', 'lambda'),
      signingKey('secret', '20150831', 'us-east-1', 'lambda'),
      signingKey('secret', '20150830', 'eu-west-1', 'lambda'),
      signingKey('secret', '20150830', 'us-east-1', 'logs'),
    ]) {
      assert.notDeepEqual(other, a);
    }
  });

  it('does not confuse secrets that contain slashes', () => {
    assert.notDeepEqual(signingKey('a/b', '20150830', 'r', 's'), signingKey('b', '20150830', 'r', 's/a'));
  });
});
