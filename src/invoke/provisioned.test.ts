// The Provisioner over a store, pool and governor in memory: what it asks the pool to keep
// warm per version (aliases split by weight, re-pointing, deletion), what it tells the
// governor, and how it reports one configuration's allocation.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AliasRecord, VersionRecord } from '../model/index.js';
import type { EnvironmentSpec, ProvisionStatus } from '../pool/index.js';
import type { ProvisionedConcurrencyRecord, Store } from '../store/index.js';
import { Provisioner, splitByWeight } from './provisioned.js';

const alias = (functionName: string, name: string, functionVersion: string, weights?: Record<string, number>): AliasRecord => ({
  functionName,
  name,
  functionVersion,
  description: '',
  revisionId: 'r',
  ...(weights && { additionalVersionWeights: weights }),
});

function version(fn: string, v: string): VersionRecord {
  return { functionName: fn, version: v, revisionId: `rev-${v}` } as unknown as VersionRecord;
}

function world() {
  const versions: VersionRecord[] = [];
  const aliases: AliasRecord[] = [];
  const configs: ProvisionedConcurrencyRecord[] = [];
  const store = {
    versions: { list: async (fn: string) => versions.filter((v) => v.functionName === fn) },
    aliases: { list: async (fn: string) => aliases.filter((a) => a.functionName === fn) },
    provisionedConcurrency: {
      list: async (fn: string) => configs.filter((c) => c.functionName === fn),
      listAll: async () => [...configs],
    },
  } as unknown as Store;
  /** spec key => target count */
  const targets = new Map<string, number>();
  /** spec key => what the pool reports */
  const live = new Map<string, ProvisionStatus>();
  const calls: string[] = [];
  const pool = {
    provision(spec: EnvironmentSpec, count: number) {
      calls.push(`${spec.version}=${count}`);
      targets.set(spec.key, count);
    },
    provisionStatus(spec: EnvironmentSpec): ProvisionStatus {
      return live.get(spec.key) ?? { requested: targets.get(spec.key) ?? 0, allocated: 0 };
    },
  };
  const held = new Map<string, number>();
  const governor = { setProvisioned: (fn: string, n: number) => void held.set(fn, n) };
  const provisioner = new Provisioner({
    store,
    pool,
    governor,
    specOf: (v) => ({ key: `${v.functionName}/${v.version}`, functionName: v.functionName, version: v.version }) as EnvironmentSpec,
  });
  const config = (fn: string, qualifier: string, requested: number) => {
    const i = configs.findIndex((c) => c.functionName === fn && c.qualifier === qualifier);
    if (i >= 0) configs.splice(i, 1);
    if (requested > 0) configs.push({ functionName: fn, qualifier, requested, lastModified: 'x' });
  };
  return { versions, aliases, configs, config, targets, live, calls, held, provisioner };
}

describe('splitByWeight', () => {
  test('the additional version gets its rounded share, the primary the rest', () => {
    assert.deepEqual([...splitByWeight(10, '1', { '2': 0.3 })], [['2', 3], ['1', 7]]);
    assert.deepEqual([...splitByWeight(1, '1', { '2': 0.3 })], [['1', 1]]);
    assert.deepEqual([...splitByWeight(2, '1', { '2': 1 })], [['2', 2]]);
    assert.deepEqual([...splitByWeight(4, '1')], [['1', 4]]);
  });
});

describe('Provisioner', () => {
  test('a version configuration is provisioned and counted by the governor', async () => {
    const w = world();
    w.versions.push(version('f', '$LATEST'), version('f', '1'));
    w.config('f', '1', 3);
    await w.provisioner.sync('f');
    assert.deepEqual(w.calls, ['1=3']);
    assert.equal(w.held.get('f'), 3);
    assert.deepEqual(w.provisioner.status('f', '1'), { allocated: 0 });
    w.live.set('f/1', { requested: 3, allocated: 2 });
    assert.deepEqual(w.provisioner.status('f', '1'), { allocated: 2 });
    assert.equal(w.provisioner.status('f', '2'), undefined);

    // Deleted: released, and nothing held any more.
    w.config('f', '1', 0);
    await w.provisioner.sync('f');
    assert.deepEqual(w.calls, ['1=3', '1=0']);
    assert.equal(w.held.get('f'), 0);
    assert.equal(w.provisioner.status('f', '1'), undefined);
  });

  test('an alias is split by weight and follows its versions when re-pointed', async () => {
    const w = world();
    w.versions.push(version('f', '1'), version('f', '2'), version('f', '3'));
    w.aliases.push(alias('f', 'live', '1', { '2': 0.25 }));
    w.config('f', 'live', 4);
    await w.provisioner.sync('f');
    assert.deepEqual(w.calls.sort(), ['1=3', '2=1']);
    assert.equal(w.held.get('f'), 4);
    w.live.set('f/1', { requested: 3, allocated: 3 });
    w.live.set('f/2', { requested: 1, allocated: 0, failure: 'Runtime.ImportModuleError' });
    assert.deepEqual(w.provisioner.status('f', 'live'), { allocated: 3, failure: 'Runtime.ImportModuleError' });

    w.calls.length = 0;
    w.aliases[0] = alias('f', 'live', '3');
    await w.provisioner.sync('f');
    assert.deepEqual(w.calls.sort(), ['1=0', '2=0', '3=4']);
    assert.equal(w.held.get('f'), 4);
  });

  test('a deleted alias (its configuration deleted with it) releases its versions', async () => {
    const w = world();
    w.versions.push(version('f', '1'));
    w.aliases.push(alias('f', 'live', '1'));
    w.config('f', 'live', 2);
    await w.provisioner.sync('f');
    w.aliases.length = 0;
    w.configs.length = 0;
    await w.provisioner.sync('f');
    assert.deepEqual(w.calls, ['1=2', '1=0']);
    assert.equal(w.held.get('f'), 0);
    assert.equal(w.provisioner.status('f', 'live'), undefined);
  });

  test('a deleted version is not provisioned again (the pool retired it)', async () => {
    const w = world();
    w.versions.push(version('f', '1'));
    w.config('f', '1', 2);
    await w.provisioner.sync('f');
    w.versions.length = 0;
    w.configs.length = 0;
    await w.provisioner.sync('f');
    assert.deepEqual(w.calls, ['1=2']);
    assert.equal(w.held.get('f'), 0);
  });

  test('a configuration put again after a failure starts over', async () => {
    const w = world();
    w.versions.push(version('f', '1'));
    w.config('f', '1', 1);
    await w.provisioner.sync('f');
    w.live.set('f/1', { requested: 1, allocated: 0, failure: 'Runtime.ExitError' });
    await w.provisioner.sync('f'); // an unrelated change: nothing to do
    assert.deepEqual(w.calls, ['1=1']);
    await w.provisioner.sync('f', '1');
    assert.deepEqual(w.calls, ['1=1', '1=0', '1=1']);
  });

  test('start provisions every stored configuration', async () => {
    const w = world();
    w.versions.push(version('a', '1'), version('b', '7'));
    w.config('a', '1', 1);
    w.config('b', '7', 2);
    await w.provisioner.start();
    assert.deepEqual(w.calls.sort(), ['1=1', '7=2']);
    assert.equal(w.held.get('a'), 1);
    assert.equal(w.held.get('b'), 2);
  });

  test('two configurations on one version share its allocation in turn', async () => {
    const w = world();
    w.versions.push(version('f', '1'));
    w.aliases.push(alias('f', 'a', '1'));
    w.config('f', '1', 2);
    w.config('f', 'a', 2); // possible after UpdateAlias re-points an alias onto a provisioned version
    await w.provisioner.sync('f');
    assert.deepEqual(w.calls, ['1=4']);
    w.live.set('f/1', { requested: 4, allocated: 3 });
    assert.deepEqual(w.provisioner.status('f', '1'), { allocated: 2 });
    assert.deepEqual(w.provisioner.status('f', 'a'), { allocated: 1 });
  });
});
