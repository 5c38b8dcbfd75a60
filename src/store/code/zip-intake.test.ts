// Tests for zip intake: real trees, and hostile zips built byte by byte by a small writer below.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { ApiError } from '../../model/index.js';
import { removeTree } from './remove-tree.js';
import { LAMBDA_ZIP_LIMITS, type ZipLimits, unpackZip } from './zip-intake.js';

const UNZIP = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
const TOO_BIG = 'Unzipped size must be smaller than 262144000 bytes';

// ---- a minimal zip writer (APPNOTE 4.3: local headers, central directory, end record) ----

interface Spec {
  name: string | Buffer;
  data?: string | Buffer;
  /** 0 stored, 8 deflated, or anything else to claim another method. */
  method?: number;
  /** A unix st_mode (type and permission bits): marks the entry as made on Unix. */
  unix?: number;
  /** The "version made by" host byte; defaults to 3 (Unix) with `unix`, else 0 (MS-DOS). */
  host?: number;
  /** MS-DOS attributes, the low byte of the external attributes. */
  dos?: number;
  flags?: number;
  /** Lies: the CRC-32, the uncompressed size, or the stored bytes the headers declare. */
  crc?: number;
  size?: number;
  raw?: Buffer;
}

const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

function makeZip(specs: readonly Spec[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const s of specs) {
    const name = typeof s.name === 'string' ? Buffer.from(s.name) : s.name;
    const data = Buffer.from(s.data ?? '');
    const method = s.method ?? 8;
    const raw = s.raw ?? (method === 8 ? zlib.deflateRawSync(data) : data);
    const crc = s.crc ?? zlib.crc32(data);
    const size = s.size ?? data.length;
    const flags = (s.flags ?? 0) | 0x800; // UTF-8 names
    const host = s.host ?? (s.unix === undefined ? 0 : 3);
    const external = ((s.unix ?? 0) * 0x10000 + (s.dos ?? 0)) >>> 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(raw.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((host << 8) | 20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(raw.length, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(external, 38);
    header.writeUInt32LE(offset, 42);

    parts.push(local, name, raw);
    central.push(header, name);
    offset += local.length + name.length + raw.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(specs.length, 8);
  end.writeUInt16LE(specs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

const file = (name: string, data: string | Buffer = `contents of ${name}`, mode = 0o644): Spec => ({
  name,
  data,
  unix: 0o100000 | mode,
});
const dir = (name: string): Spec => ({ name, unix: 0o040755 });
const link = (name: string, target: string): Spec => ({ name, data: target, unix: 0o120777 });

// ---- scratch space ----

const scratchRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'lamina-zip-intake-'));
after(() => removeTree(scratchRoot));

let scratchCount = 0;
/** A fresh `<base>/outer/` with `dest` (not yet created) inside it. */
async function scratch(): Promise<{ base: string; dest: string }> {
  const base = path.join(scratchRoot, String(scratchCount++));
  await fs.mkdir(path.join(base, 'outer'), { recursive: true });
  await fs.writeFile(path.join(base, 'outer', 'neighbour.txt'), 'untouched');
  return { base, dest: path.join(base, 'outer', 'dest') };
}

/** Every path under `dir` with its type, for before/after comparisons. */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const kind = e.isSymbolicLink() ? 'link' : e.isDirectory() ? 'dir' : 'file';
    out.push(`${path.relative(dir, path.join(e.parentPath, e.name))} ${kind}`);
  }
  return out.sort();
}

const modeOf = async (p: string): Promise<number> => (await fs.lstat(p)).mode & 0o7777;

async function unpacked(specsOrZip: readonly Spec[] | Buffer): Promise<string> {
  const { dest } = await scratch();
  await unpackZip(Buffer.isBuffer(specsOrZip) ? specsOrZip : makeZip(specsOrZip), dest);
  return dest;
}

/** Asserts the refusal, that `dest` is gone and that nothing around it changed. */
async function assertRefused(
  zip: Buffer,
  message: string,
  limits: ZipLimits = LAMBDA_ZIP_LIMITS,
  outside: readonly string[] = [],
): Promise<void> {
  const { base, dest } = await scratch();
  const before = await listing(base);
  await assert.rejects(unpackZip(zip, dest, limits), (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.code, 'InvalidParameterValueException');
    assert.equal(err.message, message);
    return true;
  });
  assert.equal(existsSync(dest), false, 'dest must not survive a refusal');
  assert.deepEqual(await listing(base), before);
  for (const p of outside) assert.equal(existsSync(p), false, `${p} must not exist`);
}

// ---- tests ----

describe('unpackZip: accepted archives', () => {
  test('a tree made by a real zip tool (python zipfile): contents and read-only modes', async () => {
    const src = path.join(scratchRoot, 'python-src');
    await fs.mkdir(path.join(src, 'lib', 'deep', 'er'), { recursive: true });
    await fs.mkdir(path.join(src, 'bin'));
    const files: [string, number][] = [
      ['bootstrap', 0o755],
      ['handler.js', 0o644],
      ['lib/util.js', 0o600],
      ['lib/deep/er/leaf.txt', 0o644],
      ['bin/tool', 0o700],
      ['setuid', 0o4755],
    ];
    for (const [name, mode] of files) {
      await fs.writeFile(path.join(src, name), `#!/bin/sh\n# ${name}\n`);
      await fs.chmod(path.join(src, name), mode);
    }
    const zipPath = path.join(scratchRoot, 'python.zip');
    const script = [
      'import os, sys, zipfile',
      'src, out = sys.argv[1], sys.argv[2]',
      'with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:',
      '    for root, dirs, names in os.walk(src):',
      '        for n in sorted(dirs) + sorted(names):',
      '            p = os.path.join(root, n)',
      '            z.write(p, os.path.relpath(p, src))',
    ].join('\n');
    execFileSync('python3', ['-c', script, src, zipPath]);

    const dest = await unpacked(await fs.readFile(zipPath));
    assert.deepEqual(await listing(dest), await listing(src));
    for (const [name] of files) {
      assert.equal(await fs.readFile(path.join(dest, name), 'utf8'), `#!/bin/sh\n# ${name}\n`);
    }
    assert.equal(await modeOf(path.join(dest, 'bootstrap')), 0o555);
    assert.equal(await modeOf(path.join(dest, 'bin/tool')), 0o555);
    assert.equal(await modeOf(path.join(dest, 'setuid')), 0o555, 'no setuid bit survives');
    assert.equal(await modeOf(path.join(dest, 'handler.js')), 0o444);
    assert.equal(await modeOf(path.join(dest, 'lib/util.js')), 0o444, 'world-readable even when zipped 0600');
    for (const d of ['', 'lib', 'lib/deep', 'lib/deep/er', 'bin']) assert.equal(await modeOf(path.join(dest, d)), 0o555);
  });

  test('implicit parent directories, stored and deflated entries, a nested zip kept as a file', async () => {
    const inner = makeZip([file('x')]);
    const big = Buffer.alloc(3 * 1024 * 1024, 'abc');
    const dest = await unpacked([
      { ...file('a/b/c/stored.txt', 'stored'), method: 0 },
      file('a/b/deflated.txt', 'deflated'),
      file('./dot/./slash//name.txt', 'normalised'),
      file('big.bin', big),
      file('inner.zip', inner),
      dir('a/'),
      dir('empty/'),
    ]);
    assert.deepEqual(await listing(dest), [
      'a dir',
      'a/b dir',
      'a/b/c dir',
      'a/b/c/stored.txt file',
      'a/b/deflated.txt file',
      'big.bin file',
      'dot dir',
      'dot/slash dir',
      'dot/slash/name.txt file',
      'empty dir',
      'inner.zip file',
    ]);
    assert.equal(await fs.readFile(path.join(dest, 'a/b/c/stored.txt'), 'utf8'), 'stored');
    assert.deepEqual(await fs.readFile(path.join(dest, 'big.bin')), big);
    assert.deepEqual(await fs.readFile(path.join(dest, 'inner.zip')), inner);
    for (const d of ['a', 'a/b', 'a/b/c', 'dot', 'empty']) assert.equal(await modeOf(path.join(dest, d)), 0o555);
  });

  test('an empty zip gives an empty read-only directory', async () => {
    const dest = await unpacked([]);
    assert.deepEqual(await fs.readdir(dest), []);
    assert.equal(await modeOf(dest), 0o555);
  });

  test('a Windows-made zip (no unix attributes, backslash separators): 0444 files, 0555 dirs', async () => {
    const dest = await unpacked([
      { name: 'lib\\', dos: 0x10 },
      { name: 'lib\\util.js', data: 'util', dos: 0x20 },
      { name: 'nested\\dir\\index.js', data: 'index', dos: 0x20 },
      { name: 'folder-without-slash', dos: 0x10 },
      // Windows Python puts st_mode in the high bits but says MS-DOS: no execute bit is trusted.
      { name: 'bootstrap', data: 'boot', dos: 0x20, unix: 0o100755, host: 0 },
      { name: 'ntfs.txt', data: 'ntfs', host: 10 },
    ]);
    assert.deepEqual(await listing(dest), [
      'bootstrap file',
      'folder-without-slash dir',
      'lib dir',
      'lib/util.js file',
      'nested dir',
      'nested/dir dir',
      'nested/dir/index.js file',
      'ntfs.txt file',
    ]);
    for (const f of ['bootstrap', 'lib/util.js', 'nested/dir/index.js', 'ntfs.txt']) {
      assert.equal(await modeOf(path.join(dest, f)), 0o444);
    }
    for (const d of ['', 'lib', 'nested', 'nested/dir', 'folder-without-slash']) {
      assert.equal(await modeOf(path.join(dest, d)), 0o555);
    }
  });

  test('symlinks that stay inside the tree are created as symlinks', async () => {
    const dest = await unpacked([
      file('lib/real.js', 'real'),
      link('lib/alias.js', 'real.js'),
      link('bin/tool', '../lib/real.js'),
      link('current', 'lib'),
      link('through', 'current/../lib/./real.js'),
      link('lib/up', '..'),
      link('chain', 'lib/up/current/alias.js'),
      link('dangling', 'nowhere/../nothing'),
    ]);
    const expected: [string, string][] = [
      ['lib/alias.js', 'real.js'],
      ['bin/tool', '../lib/real.js'],
      ['current', 'lib'],
      ['through', 'current/../lib/./real.js'],
      ['lib/up', '..'],
      ['chain', 'lib/up/current/alias.js'],
      ['dangling', 'nowhere/../nothing'],
    ];
    for (const [name, target] of expected) {
      assert.ok((await fs.lstat(path.join(dest, name))).isSymbolicLink(), name);
      assert.equal(await fs.readlink(path.join(dest, name)), target);
    }
    for (const via of ['lib/alias.js', 'bin/tool', 'current/real.js', 'through', 'chain']) {
      assert.equal(await fs.readFile(path.join(dest, via), 'utf8'), 'real');
    }
  });

  test('a directory named twice, explicitly and implicitly, is fine', async () => {
    const dest = await unpacked([dir('d/'), file('d/x'), dir('d/'), dir('./d')]);
    assert.deepEqual(await listing(dest), ['d dir', 'd/x file']);
  });

  test('many small files in many directories', async () => {
    const specs: Spec[] = [];
    for (let i = 0; i < 2000; i++) specs.push(file(`node_modules/pkg${i % 50}/file${i}.js`, `module.exports = ${i};`));
    const dest = await unpacked(specs);
    assert.equal((await listing(dest)).length, 2000 + 51);
    assert.equal(await fs.readFile(path.join(dest, 'node_modules/pkg7/file1957.js'), 'utf8'), 'module.exports = 1957;');
  });

  test('at exactly the limits', async () => {
    const { dest } = await scratch();
    const limits = { maxUnzippedBytes: 10, maxEntries: 3 };
    await unpackZip(makeZip([file('d/a', '12345'), file('d/b', '67890')]), dest, limits);
    assert.deepEqual(await listing(dest), ['d dir', 'd/a file', 'd/b file']);
  });
});

describe('unpackZip: path traversal', () => {
  const cases: [string, string | Buffer][] = [
    ['../evil', '../evil'],
    ['../../evil', '../../evil'],
    ['a/../../evil', 'a/../../evil'],
    ['a/b/../../../evil', 'a/b/../../../evil'],
    ['/abs', `/lamina-zip-intake-abs-${process.pid}`],
    ['backslash ..\\evil', '..\\evil'],
    ['backslash a\\..\\..\\evil', 'a\\..\\..\\evil'],
    ['backslash \\abs', `\\lamina-zip-intake-abs-${process.pid}`],
    ['drive letter C:/evil', 'C:/evil'],
    ['drive letter C:\\evil', 'C:\\evil'],
    ['drive-relative c:evil', 'c:evil'],
    ['NUL byte', Buffer.from('ok\0/../../evil')],
    ['a single dot as a file', '.'],
    ['a name too long for the file system', 'a'.repeat(256)],
    ['a path too long', `${'d/'.repeat(1100)}x`],
  ];
  for (const [label, name] of cases) {
    test(label, async () => {
      const zip = makeZip([file('fine.txt'), { name, data: 'evil', unix: 0o100644 }]);
      await assertRefused(zip, UNZIP, LAMBDA_ZIP_LIMITS, [`/lamina-zip-intake-abs-${process.pid}`]);
    });
  }

  test('traversal in a directory entry', async () => {
    await assertRefused(makeZip([dir('../evil/')]), UNZIP);
  });
});

describe('unpackZip: symlinks', () => {
  const escaping: [string, Spec[]][] = [
    ['to /etc/passwd', [link('passwd', '/etc/passwd')]],
    ['to ../../x', [link('x', '../../x')]],
    ['from a subdirectory to ../../x', [link('a/x', '../../x')]],
    ['to ..', [link('up', '..')]],
    ['climbing after another link (physically outside, lexically inside)', [link('a/l1', '..'), link('a/l2', 'l1/..')]],
    ['climbing out of a link to the root', [link('root', '.'), link('x', 'root/../outer')]],
    ['a loop', [link('l1', 'l2'), link('l2', 'l1')]],
    ['to itself', [link('self', 'self')]],
    ['with backslashes', [link('x', '..\\..\\x')]],
    ['with an empty target', [link('x', '')]],
    ['named like a directory', [link('x/', 'y')]],
  ];
  for (const [label, specs] of escaping) {
    test(`refused: ${label}`, async () => {
      await assertRefused(makeZip([file('fine.txt'), ...specs]), UNZIP);
    });
  }

  const writeThrough: [string, Spec[]][] = [
    ['through an escaping link', [link('l', '../..'), file('l/evil')]],
    ['through a link inside the tree', [dir('sub/'), link('l', 'sub'), file('l/evil')]],
    ['below a name that later becomes a link', [file('l/evil'), link('l', '../..')]],
    ['a directory through a link', [link('l', '.'), dir('l/evil/')]],
  ];
  for (const [label, specs] of writeThrough) {
    test(`refused: writing ${label}`, async () => {
      await assertRefused(makeZip(specs), UNZIP); // the listing around dest shows nothing landed
    });
  }
});

describe('unpackZip: duplicates and odd types', () => {
  const cases: [string, Spec[]][] = [
    ['the same file twice', [file('a', 'first'), file('a', 'second')]],
    ['a file and a directory of one name', [file('a'), dir('a/')]],
    ['a directory, then a file of its name', [dir('a/'), file('a')]],
    ['a file, then an entry below it', [file('a'), file('a/b')]],
    ['an entry, then a file where its directory is', [file('a/b'), file('a')]],
    ['a file and a link of one name', [file('a'), link('a', 'b')]],
    ['the same name spelt ./a and a', [file('./a'), file('a')]],
    ['a FIFO', [{ name: 'fifo', unix: 0o010644 }]],
    ['a character device', [{ name: 'tty', unix: 0o020644 }]],
    ['a directory entry carrying data', [{ name: 'd/', data: 'payload', unix: 0o040755 }]],
  ];
  for (const [label, specs] of cases) {
    test(`refused: ${label}`, async () => {
      await assertRefused(makeZip(specs), UNZIP);
    });
  }
});

describe('unpackZip: bombs', () => {
  test('too many entries', async () => {
    const specs = Array.from({ length: 11 }, (_, i) => file(`f${i}`));
    await assertRefused(makeZip(specs), UNZIP, { ...LAMBDA_ZIP_LIMITS, maxEntries: 10 });
  });

  test('too many paths through implicit directories', async () => {
    const specs = Array.from({ length: 3 }, (_, i) => file(`d${i}/e/f/g`));
    await assertRefused(makeZip(specs), UNZIP, { ...LAMBDA_ZIP_LIMITS, maxEntries: 10 });
  });

  test('one entry declaring more than the limit', async () => {
    await assertRefused(makeZip([file('fine.txt'), { ...file('bomb'), size: 262_144_001 }]), TOO_BIG);
  });

  test('entries whose declared sizes add up to more than the limit', async () => {
    const specs = Array.from({ length: 3 }, (_, i) => ({ ...file(`part${i}`), size: 100_000_000 }));
    await assertRefused(makeZip(specs), TOO_BIG);
  });

  test('declared sizes are checked before anything touches the disk', async () => {
    // With no parent for dest, any write would fail with ENOENT instead of the size error.
    const { base } = await scratch();
    const zip = makeZip([file('fine.txt'), { ...file('bomb'), size: 262_144_001 }]);
    await assert.rejects(unpackZip(zip, path.join(base, 'missing', 'dest')), { message: TOO_BIG });
  });

  test('the limit message uses the configured limit', async () => {
    const zip = makeZip([file('a', 'x'.repeat(1001))]);
    await assertRefused(zip, 'Unzipped size must be smaller than 1000 bytes', { ...LAMBDA_ZIP_LIMITS, maxUnzippedBytes: 1000 });
  });

  test('a header that lies: declares 1 KB, inflates to 20 MB', async () => {
    const data = Buffer.alloc(20 * 1024 * 1024);
    const raw = zlib.deflateRawSync(data);
    const lying: Spec = { name: 'bomb', unix: 0o100644, raw, size: 1024, crc: zlib.crc32(data.subarray(0, 1024)) };
    await assertRefused(makeZip([file('fine.txt'), lying]), UNZIP);
    await assertRefused(makeZip([file('fine.txt'), lying]), UNZIP, { ...LAMBDA_ZIP_LIMITS, maxUnzippedBytes: 1_000_000 });
  });

  test('a 1 GiB bomb declaring 1 KiB is cut off, not inflated', async () => {
    // 64 copies of a fully flushed deflate block of 16 MiB of zeros, then an empty final block.
    const block = zlib.deflateRawSync(Buffer.alloc(1 << 24), { finishFlush: zlib.constants.Z_FULL_FLUSH });
    const raw = Buffer.concat([...Array<Buffer>(64).fill(block), Buffer.from([0x03, 0x00])]);
    await assertRefused(makeZip([{ name: 'bomb', unix: 0o100644, raw, size: 1024, crc: 0 }]), UNZIP);
  });

  test('a header that lies the other way: declares more than is there', async () => {
    await assertRefused(makeZip([{ ...file('short', 'tiny'), size: 5000 }]), UNZIP);
  });
});

describe('unpackZip: damaged and unsupported archives', () => {
  const good = makeZip([file('a/one.txt'), file('a/two.txt', 'two'.repeat(1000)), file('three.txt')]);
  const noise = Buffer.alloc(4096);
  for (let i = 0, x = 12345; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;

  const cases: [string, Buffer][] = [
    ['not a zip at all', Buffer.from('this is not a zip file')],
    ['random bytes', noise],
    ['nothing', Buffer.alloc(0)],
    ['truncated to half', good.subarray(0, good.length >> 1)],
    ['truncated by one byte', good.subarray(0, good.length - 1)],
    ['truncated in the central directory', good.subarray(0, good.length - 40)],
    ['a bad CRC (deflated)', makeZip([file('fine.txt'), { ...file('bad.txt'), crc: 0xdeadbeef }])],
    ['a bad CRC (stored)', makeZip([{ ...file('bad.txt'), method: 0, crc: 0x12345678 }])],
    ['corrupt deflate data', makeZip([{ ...file('bad.txt', 'hello'), raw: Buffer.from([0xff, 0xff, 0xff, 0xff]) }])],
    ['stored sizes that disagree', makeZip([{ ...file('bad.txt', 'hello'), method: 0, size: 4 }])],
    ['an encrypted entry', makeZip([{ ...file('secret.txt'), flags: 0x1 }])],
    ['strong encryption', makeZip([{ ...file('secret.txt'), flags: 0x41 }])],
    ['bzip2 compression', makeZip([{ ...file('b.txt'), method: 12 }])],
    ['LZMA compression', makeZip([{ ...file('l.txt'), method: 14 }])],
    ['AES (method 99)', makeZip([{ ...file('aes.txt'), method: 99 }])],
  ];
  // A local header whose signature is overwritten: the central directory still points at it.
  const badLocal = Buffer.from(good);
  badLocal.writeUInt32LE(0, 0);
  cases.push(['a damaged local header', badLocal]);

  for (const [label, zip] of cases) {
    test(label, async () => {
      await assertRefused(zip, UNZIP);
    });
  }
});

describe('unpackZip: the caller’s side', () => {
  test('an existing dest is an error of ours, and is left alone', async () => {
    const { dest } = await scratch();
    await fs.mkdir(dest);
    await fs.writeFile(path.join(dest, 'keep'), 'me');
    await assert.rejects(unpackZip(makeZip([file('x')]), dest), (err: NodeJS.ErrnoException) => {
      assert.ok(!(err instanceof ApiError));
      assert.equal(err.code, 'EEXIST');
      return true;
    });
    assert.equal(await fs.readFile(path.join(dest, 'keep'), 'utf8'), 'me');
  });

  test('a missing parent is an I/O error, not the user’s', async () => {
    const { base } = await scratch();
    await assert.rejects(unpackZip(makeZip([file('x')]), path.join(base, 'missing', 'dest')), { code: 'ENOENT' });
  });
});
