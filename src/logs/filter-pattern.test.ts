// Filter patterns: each syntax form against messages it must and must not match.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFilterPattern, FilterPatternError } from './filter-pattern.js';

/** The messages of `messages` that `pattern` matches. */
const pick = (pattern: string | undefined, messages: readonly string[]): string[] =>
  messages.filter(compileFilterPattern(pattern));

describe('filter patterns: terms', () => {
  const lines = ['ERROR disk full', 'error disk full', 'WARN slow disk', 'INFO all good', '[ERROR 401] UNAUTHORIZED'];

  test('an empty or blank pattern matches everything', () => {
    assert.deepEqual(pick(undefined, lines), lines);
    assert.deepEqual(pick('', lines), lines);
    assert.deepEqual(pick('   ', lines), lines);
  });

  test('one term matches where it appears, case-sensitively', () => {
    assert.deepEqual(pick('ERROR', lines), ['ERROR disk full', '[ERROR 401] UNAUTHORIZED']);
    assert.deepEqual(pick('error', lines), ['error disk full']);
  });

  test('several terms must all appear, in any order', () => {
    assert.deepEqual(pick('full ERROR', lines), ['ERROR disk full']);
    assert.deepEqual(pick('disk', lines), ['ERROR disk full', 'error disk full', 'WARN slow disk']);
    assert.deepEqual(pick('disk good', lines), []);
  });

  test('a quoted phrase matches as a whole, and may hold any character', () => {
    assert.deepEqual(pick('"disk full"', lines), ['ERROR disk full', 'error disk full']);
    assert.deepEqual(pick('"full disk"', lines), []);
    assert.deepEqual(pick('"[ERROR 401]"', lines), ['[ERROR 401] UNAUTHORIZED']);
    assert.deepEqual(pick('"say \\"hi\\""', ['they say "hi"', 'they say hi']), ['they say "hi"']);
  });

  test('?a ?b matches either', () => {
    assert.deepEqual(pick('?ERROR ?WARN', lines), ['ERROR disk full', 'WARN slow disk', '[ERROR 401] UNAUTHORIZED']);
    assert.deepEqual(pick('?"all good" ?"slow disk"', lines), ['WARN slow disk', 'INFO all good']);
  });

  test('a ?term starts an alternative that later plain terms join', () => {
    assert.deepEqual(pick('?ERROR full ?INFO good', lines), ['ERROR disk full', 'INFO all good']);
  });

  test('-term excludes', () => {
    assert.deepEqual(pick('disk -ERROR', lines), ['error disk full', 'WARN slow disk']);
    assert.deepEqual(pick('disk -"slow disk"', lines), ['ERROR disk full', 'error disk full']);
  });

  test('%regex% matches a regular expression anywhere', () => {
    assert.deepEqual(pick('%^[A-Z]+\\sdisk%', lines), ['ERROR disk full']);
    assert.deepEqual(pick('%AUTHORIZED%', lines), ['[ERROR 401] UNAUTHORIZED']);
  });

  test('malformed patterns are refused with AWS wording', () => {
    assert.throws(() => compileFilterPattern('"open'), FilterPatternError);
    assert.throws(() => compileFilterPattern('""'), { message: `Invalid filter pattern: Invalid character(s) in term '""'` });
    assert.throws(() => compileFilterPattern('%(%'), FilterPatternError);
  });
});

describe('filter patterns: JSON', () => {
  const events = [
    JSON.stringify({ level: 'ERROR', ms: 12, user: { id: 1, email: 'ann@example.com' }, tags: ['a', 'b'], ok: false }),
    JSON.stringify({ level: 'INFO', ms: 3, user: { id: 2, email: 'bob@example.org' }, tags: ['c'], ok: true, gone: null }),
    JSON.stringify({ level: 'WARN', ms: 5.5 }),
    'ERROR not json at all',
    '2024-01-01T00:00:00.000Z\tid\tINFO\t{"level":"ERROR"}',
  ];
  const levels = (pattern: string): string[] =>
    pick(pattern, events).map((m) => (JSON.parse(m) as { level: string }).level);

  test('string equality, with * wildcards, and inequality', () => {
    assert.deepEqual(levels('{ $.level = "ERROR" }'), ['ERROR']);
    assert.deepEqual(levels('{$.level="ERROR"}'), ['ERROR']);
    assert.deepEqual(levels('{ $.level = ERROR }'), ['ERROR']);
    assert.deepEqual(levels('{ $.user.email = "*@example.com" }'), ['ERROR']);
    assert.deepEqual(levels('{ $.level != "ERROR" }'), ['INFO', 'WARN']);
  });

  test('numeric comparisons', () => {
    assert.deepEqual(levels('{ $.ms > 5 }'), ['ERROR', 'WARN']);
    assert.deepEqual(levels('{ $.ms >= 5.5 }'), ['ERROR', 'WARN']);
    assert.deepEqual(levels('{ $.ms < 5 }'), ['INFO']);
    assert.deepEqual(levels('{ $.ms <= 3 }'), ['INFO']);
    assert.deepEqual(levels('{ $.ms = 12 }'), ['ERROR']);
    assert.deepEqual(levels('{ $.ms != 12 }'), ['INFO', 'WARN']);
    assert.deepEqual(levels('{ $.user.id = 2 }'), ['INFO']);
  });

  test('&& binds tighter than ||; parentheses group', () => {
    assert.deepEqual(levels('{ $.level = "INFO" || $.ms > 10 && $.ok IS FALSE }'), ['ERROR', 'INFO']);
    assert.deepEqual(levels('{ ($.level = "INFO" || $.ms > 10) && $.ok IS TRUE }'), ['INFO']);
    assert.deepEqual(levels('{ ($.user.id = 1) && ($.tags[1] = "b") }'), ['ERROR']);
  });

  test('arrays, NULL, EXISTS', () => {
    assert.deepEqual(levels('{ $.tags[0] = "c" }'), ['INFO']);
    assert.deepEqual(levels('{ $.gone IS NULL }'), ['INFO']);
    assert.deepEqual(levels('{ $.user NOT EXISTS }'), ['WARN']);
    assert.deepEqual(levels('{ $.tags[*] = "b" }'), ['ERROR']);
  });

  test('a regex value', () => {
    assert.deepEqual(levels('{ $.level = %^(WARN|INFO)$% }'), ['INFO', 'WARN']);
  });

  test('only events that are JSON as a whole are considered', () => {
    assert.equal(pick('{ $.level = "ERROR" }', events).length, 1);
  });

  test('malformed JSON patterns are refused', () => {
    for (const p of ['{ $.level = "ERROR" ', '{ level = "x" }', '{ $.ms > "x" }', '{ $.a = }', '{ ($.a = 1 }', '{ $.a IS MAYBE }']) {
      assert.throws(() => compileFilterPattern(p), FilterPatternError, p);
    }
  });
});

describe('filter patterns: space-delimited', () => {
  const lines = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /about.html HTTP/1.0" 200 2100',
    'short line',
  ];

  test('fields bind by position; bracketed and quoted runs are one field', () => {
    const p = '[ip, id, user, timestamp, request, status_code = 404, size]';
    assert.deepEqual(pick(p, lines), [lines[0]]);
    assert.deepEqual(pick('[ip, id, user, timestamp, request = "*about*", status_code, size]', lines), [lines[1]]);
  });

  test('... absorbs any number of fields; conditions compare numbers', () => {
    assert.deepEqual(pick('[..., status >= 400 && status < 500, size]', lines), [lines[0]]);
    assert.deepEqual(pick('[ip, ..., size > 2000]', lines), [lines[1]]);
    assert.deepEqual(pick('[a, b]', lines), [lines[2]]);
    assert.deepEqual(pick('[...]', lines), lines);
  });
});
