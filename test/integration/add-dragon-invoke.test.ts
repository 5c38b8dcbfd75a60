// The invoke issue's aws CLI flow, word for word: create add-dragon on python3.6 from a zip
// with a vendored package, `aws lambda invoke … output.txt --payload file://payload.json`,
// then update-function-code --publish with new behaviour, and the new behaviour on the next
// invoke. Also: idle expiry with a short configured idle time.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LaminaProcess, REPO_ROOT, ROLE, startLamina } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';
import { makeZip } from '../helpers/zip.js';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'add-dragon');
/** python3.6 as Lamina finds it: on PATH or under pyenv's versions folder. */
function python36(): string | false {
  const pyenv = process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');
  let versions: string[] = [];
  try {
    versions = readdirSync(path.join(pyenv, 'versions')).filter((v) => v.startsWith('3.6'));
  } catch {
    // no pyenv
  }
  const found = versions.some((v) => statSync(path.join(pyenv, 'versions', v, 'bin', 'python3.6'), { throwIfNoEntry: false }));
  if (found || !missing('python3.6', ['--version'], 'python3.6')) return false;
  return 'needs CPython 3.6 (pyenv install 3.6)';
}

const skip = missing('aws', ['--version'], 'awscli') || python36();

function fixtureFiles(root: string, rel = ''): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {};
  for (const name of readdirSync(path.join(root, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(root, r)).isDirectory()) Object.assign(files, fixtureFiles(root, r));
    else if (name.endsWith('.py')) files[r] = readFileSync(path.join(root, r));
  }
  return files;
}

describe('the add-dragon flow through the aws CLI', { skip }, () => {
  let lamina: LaminaProcess;
  let dir: string;

  before(async () => {
    lamina = await startLamina({ env: { LAMINA_IDLE_TIMEOUT: '1' } });
    dir = mkdtempSync(path.join(os.tmpdir(), 'add-dragon-'));
    writeFileSync(path.join(dir, 'pythonAddDragonFunction.zip'), makeZip(fixtureFiles(FIXTURE)));
    // The new behaviour: the vendored package now names dragons in capitals.
    const v2 = fixtureFiles(FIXTURE);
    v2['dragons/__init__.py'] = String(v2['dragons/__init__.py']).replace("'%s the dragon' % name", "'%s THE DRAGON' % name.upper()");
    writeFileSync(path.join(dir, 'pythonAddDragonFunction-v2.zip'), makeZip(v2));
    writeFileSync(path.join(dir, 'payload.json'), JSON.stringify({ name: 'Smaug' }));
  });
  after(async () => {
    await lamina?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create, invoke with file:// payload, update with --publish, invoke the new code', async () => {
    const created = await lamina.aws(
      [
        'lambda', 'create-function', '--function-name', 'add-dragon', '--runtime', 'python3.6',
        '--role', ROLE, '--handler', 'addDragon.addDragonToFile', '--publish',
        '--zip-file', 'fileb://pythonAddDragonFunction.zip',
      ],
      { cwd: dir },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).Version, '1');

    const invoked = await lamina.aws(
      ['lambda', 'invoke', '--function-name', 'add-dragon', 'output.txt', '--payload', 'file://payload.json'],
      { cwd: dir },
    );
    assert.equal(invoked.code, 0, invoked.stderr);
    assert.deepEqual(JSON.parse(invoked.stdout), { StatusCode: 200, ExecutedVersion: '$LATEST' });
    const first = JSON.parse(readFileSync(path.join(dir, 'output.txt'), 'utf8'));
    assert.equal(first.dragons, 'Smaug the dragon\n');
    assert.equal(first.version, '$LATEST');

    const updated = await lamina.aws(
      ['lambda', 'update-function-code', '--function-name', 'add-dragon', '--zip-file', 'fileb://pythonAddDragonFunction-v2.zip', '--publish'],
      { cwd: dir },
    );
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(JSON.parse(updated.stdout).Version, '2');

    const again = await lamina.aws(
      ['lambda', 'invoke', '--function-name', 'add-dragon', 'output.txt', '--payload', 'file://payload.json'],
      { cwd: dir },
    );
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(readFileSync(path.join(dir, 'output.txt'), 'utf8'));
    assert.match(second.dragons, /SMAUG THE DRAGON\n$/, 'the updated code runs');

    const listed = await lamina.aws(['lambda', 'list-versions-by-function', '--function-name', 'add-dragon']);
    assert.deepEqual(
      JSON.parse(listed.stdout).Versions.map((v: { Version: string }) => v.Version),
      ['$LATEST', '1', '2'],
    );
  });

  test('an unused environment is shut down after the configured idle time', async () => {
    const { CreateFunctionCommand, InvokeCommand } = await import('@aws-sdk/client-lambda');
    const id = async (): Promise<{ id: string; tail: string }> => {
      const r = await lamina.sdk().send(new InvokeCommand({ FunctionName: 'idler', LogType: 'Tail' }));
      return {
        id: JSON.parse(Buffer.from(r.Payload ?? []).toString('utf8')),
        tail: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8'),
      };
    };
    await lamina.sdk().send(
      new CreateFunctionCommand({
        FunctionName: 'idler',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: makeZip({ 'index.js': "const id = require('crypto').randomUUID(); exports.handler = async () => id;" }) },
      }),
    );
    const a = await id();
    const b = await id();
    assert.equal(a.id, b.id, 'warm within the idle time');
    assert.doesNotMatch(b.tail, /Init Duration/);
    await new Promise((r) => setTimeout(r, 2500)); // LAMINA_IDLE_TIMEOUT=1
    const c = await id();
    assert.notEqual(c.id, a.id, 'the idle environment was shut down');
    assert.match(c.tail, /Init Duration/);
  });
});
