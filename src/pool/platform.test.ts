// The platform's log lines and error payloads, byte for byte as AWS Lambda writes them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as platform from './platform.js';

const ID = '6f1e3c2a-9b7d-4c1e-8f00-123456789abc';

test('START, END and REPORT lines', () => {
  assert.equal(platform.startLine(ID, '$LATEST'), `START RequestId: ${ID} Version: $LATEST`);
  assert.equal(platform.endLine(ID), `END RequestId: ${ID}`);
  assert.equal(
    platform.reportLine({ requestId: ID, durationMs: 3.014, memoryMB: 128, maxMemoryUsedMB: 36, initDurationMs: 110.1 }),
    `REPORT RequestId: ${ID}\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t`,
  );
  assert.equal(
    platform.reportLine({ requestId: ID, durationMs: 2.9, memoryMB: 128, maxMemoryUsedMB: 36 }),
    `REPORT RequestId: ${ID}\tDuration: 2.90 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\t`,
  );
  assert.equal(
    platform.reportLine({ requestId: ID, durationMs: 1000.2, memoryMB: 128, maxMemoryUsedMB: 128, status: 'error', errorType: 'Runtime.OutOfMemory' }),
    `REPORT RequestId: ${ID}\tDuration: 1000.20 ms\tBilled Duration: 1001 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\t`,
  );
});

test('INIT_START, INIT_REPORT and the timeout line', () => {
  assert.equal(
    platform.initStartLine('python:3.10.v11', 'arn:aws:lambda:us-east-1::runtime:abc'),
    'INIT_START Runtime Version: python:3.10.v11\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc',
  );
  assert.equal(
    platform.initReportLine(1236.04, 'init', 'error', 'Runtime.ImportModuleError'),
    'INIT_REPORT Init Duration: 1236.04 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError',
  );
  assert.equal(platform.initReportLine(10000, 'init', 'timeout'), 'INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout');
  assert.equal(
    platform.timeoutLine(ID, 1, Date.UTC(2021, 1, 16, 1, 48, 40, 456)),
    `2021-02-16T01:48:40.456Z ${ID} Task timed out after 1.00 seconds`,
  );
});

test('how a runtime that ended is reported', () => {
  const exit = (code: number | null, signal: NodeJS.Signals | null, outOfMemory = false) => ({ code, signal, outOfMemory });
  assert.equal(platform.exitMessage(ID, exit(127, null)), `RequestId: ${ID} Error: Runtime exited with error: exit status 127`);
  assert.equal(platform.exitMessage(ID, exit(0, null)), `RequestId: ${ID} Error: Runtime exited without providing a reason`);
  assert.equal(platform.exitMessage(ID, exit(null, 'SIGKILL')), `RequestId: ${ID} Error: Runtime exited with error: signal: killed`);
  assert.equal(platform.exitMessage(ID, exit(null, null, true)), `RequestId: ${ID} Error: Runtime exited with error: signal: killed`);
  assert.equal(platform.exitReason(exit(null, 'SIGSEGV')), 'signal: segv');
});

test('error payloads', () => {
  assert.deepEqual(JSON.parse(platform.platformFailure(ID, 'Sandbox.Timedout', 'Task timed out after 1.00 seconds').payload.toString()), {
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${ID} Error: Task timed out after 1.00 seconds`,
  });
  assert.deepEqual(JSON.parse(platform.responseTooLarge().payload.toString()), {
    errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    errorType: 'Function.ResponseSizeTooLarge',
  });
});
