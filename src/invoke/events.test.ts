import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_RETRY_WAITS_MS, nextAttempt } from './events.js';

test('a failed Event invocation is tried twice more, a minute and then two minutes later', () => {
  const accepted = 1_000_000;
  assert.deepEqual(EVENT_RETRY_WAITS_MS, [60_000, 120_000]);
  assert.equal(nextAttempt(1, accepted, accepted + 500), accepted + 500 + 60_000);
  assert.equal(nextAttempt(2, accepted, accepted + 70_000), accepted + 70_000 + 120_000);
  assert.equal(nextAttempt(3, accepted, accepted + 200_000), undefined, 'the retries are spent');
});

test('no retry would come past the maximum event age (6 hours)', () => {
  const sixHours = 6 * 3600 * 1000;
  assert.equal(nextAttempt(1, 0, sixHours - 60_000), sixHours);
  assert.equal(nextAttempt(1, 0, sixHours - 59_999), undefined);
});
