// Unpacking an uploaded zip into a read-only directory tree. Zips are hostile input: every name,
// declared size and symlink is checked against the whole archive before the first byte is
// written, and the bytes themselves are counted and CRC-checked as they are inflated.

import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ApiError } from '../../model/index.js';
import { removeTree } from './remove-tree.js';

export interface ZipLimits {
  /** Total uncompressed bytes allowed (Lambda: 262144000). */
  readonly maxUnzippedBytes: number;
  /** Entries allowed in one archive; implicit parent directories count too. */
  readonly maxEntries: number;
}

export const LAMBDA_ZIP_LIMITS: ZipLimits = { maxUnzippedBytes: 262_144_000, maxEntries: 65_535 };

const UNZIP_MESSAGE = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
const unzipError = (): ApiError => new ApiError('InvalidParameterValueException', UNZIP_MESSAGE);
const tooBig = (limits: ZipLimits): ApiError =>
  new ApiError('InvalidParameterValueException', `Unzipped size must be smaller than ${limits.maxUnzippedBytes} bytes`);

// Names a Linux file system accepts under any reasonable host prefix; longer ones would fail
// later as ENAMETOOLONG, an I/O error, rather than as the user's mistake.
const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 2048;
// A symlink's target is read into memory while the archive is checked, so it is bounded each
// (PATH_MAX - 1) and in total. Chains deeper than the kernel follows (40) are refused.
const MAX_LINK_TARGET_BYTES = 4095;
const MAX_LINK_TARGETS_BYTES = 4 * 1024 * 1024;
const MAX_LINK_DEPTH = 40;
/** Entries inflated and written at once, and the bytes gathered for each write. */
const WRITE_CONCURRENCY = 8;
const WRITE_BATCH_BYTES = 256 * 1024;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DOS_DIRECTORY = 0x10;
// General purpose flags: 0 traditional encryption, 6 strong encryption, 13 encrypted directory.
const ENCRYPTED_FLAGS = (1 << 0) | (1 << 6) | (1 << 13);
const STORED = 0;
const DEFLATED = 8;
/** Creates a file that must not exist yet, and never through a symlink. */
const CREATE_NEW = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

type Kind = 'dir' | 'file' | 'link';

/** Where a path walk stands: at `node`, or `pending` names below it that the archive lacks. */
interface Position {
  readonly node: Node;
  readonly pending: number;
}

/** One path the archive puts on disk; the root stands for `dest`. */
interface Node {
  readonly name: string;
  readonly parent: Node | undefined;
  readonly kind: Kind;
  /** Directories only: name => node. */
  readonly children: Map<string, Node> | undefined;
  /** Files and links: the entry holding their bytes. */
  entry?: Entry;
  /** Files: 0444, or 0555 when the archive marks them executable. */
  mode?: number;
  target?: string;
  resolved?: Position | 'resolving';
}

/** Running count of inflated bytes, across all entries. */
interface Tally {
  bytes: number;
}

/**
 * Unpacks `zip` into the directory `dest`, which must not exist yet (its parent must), and makes
 * the tree world-readable and read-only: directories 0555, files 0444 or 0555.
 *
 * 1. Nothing is written until the whole central directory has passed: names, types, declared
 *    sizes, entry count, duplicates, and where every symlink leads.
 * 2. Duplicate paths are refused (except a directory named twice): which copy "wins" differs
 *    between tools, so a zip with two of them means two different things.
 * 3. A symlink must resolve inside the tree, following the archive's other symlinks the way the
 *    kernel would; no entry may sit below a symlink. Links are created after every file.
 * 4. Throws ApiError(InvalidParameterValueException) for anything wrong with the zip, after
 *    removing `dest`; I/O errors on our side propagate as they are.
 */
export async function unpackZip(zip: Buffer, dest: string, limits: ZipLimits = LAMBDA_ZIP_LIMITS): Promise<void> {
  let archive: ZipFile;
  try {
    archive = await yauzl.fromBufferPromise(zip, { decodeStrings: true, strictFileNames: false, validateEntrySizes: true });
  } catch {
    throw unzipError();
  }
  try {
    const tally: Tally = { bytes: 0 };
    const root = await survey(archive, limits, tally);
    await fs.mkdir(dest, { mode: 0o700 });
    try {
      await extract(archive, root, dest, limits, tally);
    } catch (err) {
      await removeTree(dest);
      throw err;
    }
  } finally {
    archive.close();
  }
}

/** Reads the central directory (and symlink targets) into a tree of nodes, refusing what is unsafe. */
async function survey(archive: ZipFile, limits: ZipLimits, tally: Tally): Promise<Node> {
  if (archive.entryCount > limits.maxEntries) throw unzipError();
  const root = newNode('', undefined, 'dir');
  const links: Node[] = [];
  let nodes = 0;
  let declared = 0;
  let linkBytes = 0;

  for await (const entry of entriesOf(archive)) {
    declared += entry.uncompressedSize;
    if (declared > limits.maxUnzippedBytes) throw tooBig(limits);
    const { segments, kind, mode } = classify(entry);
    if (segments.length === 0) continue; // "./": the root itself

    let at = root;
    for (const [i, name] of segments.entries()) {
      const last = i === segments.length - 1;
      const existing = at.children?.get(name);
      if (existing === undefined) {
        if (++nodes > limits.maxEntries) throw unzipError();
        const node = newNode(name, at, last ? kind : 'dir');
        at.children?.set(name, node);
        at = node;
      } else if (existing.kind === 'dir' && (!last || kind === 'dir')) {
        at = existing;
      } else {
        throw unzipError(); // a duplicate, a file used as a directory, or a path through a symlink
      }
    }
    if (kind === 'dir') continue;
    at.entry = entry;
    at.mode = mode;
    if (kind === 'link') {
      if (entry.uncompressedSize > MAX_LINK_TARGET_BYTES) throw unzipError();
      linkBytes += entry.uncompressedSize;
      if (linkBytes > MAX_LINK_TARGETS_BYTES) throw unzipError();
      at.target = await readLinkTarget(archive, entry, limits, tally);
      links.push(at);
    }
  }
  for (const link of links) resolveLink(link, 0);
  return root;
}

function newNode(name: string, parent: Node | undefined, kind: Kind): Node {
  return { name, parent, kind, children: kind === 'dir' ? new Map() : undefined };
}

/** The archive's entries; a malformed central directory becomes the unzip error. */
async function* entriesOf(archive: ZipFile): AsyncGenerator<Entry> {
  const entries = archive.eachEntry();
  for (;;) {
    let next: IteratorResult<Entry>;
    try {
      next = await entries.next();
    } catch {
      throw unzipError();
    }
    if (next.done) return;
    yield next.value;
  }
}

/** What one entry is and where it goes, or the unzip error. */
function classify(entry: Entry): { segments: string[]; kind: Kind; mode: number } {
  if (entry.generalPurposeBitFlag & ENCRYPTED_FLAGS) throw unzipError();
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) throw unzipError();
  const segments = safeSegments(entry.fileName);

  const unix = unixMode(entry);
  const kind = kindOf(entry, unix);
  if (kind === 'dir' && entry.uncompressedSize !== 0) throw unzipError();
  if (kind !== 'dir' && segments.length === 0) throw unzipError();
  const executable = unix !== undefined && (unix & 0o111) !== 0;
  return { segments, kind, mode: kind === 'file' && executable ? 0o555 : 0o444 };
}

function kindOf(entry: Entry, unix: number | undefined): Kind {
  const dirByName = entry.fileName.endsWith('/');
  if (unix === undefined) return dirByName || (entry.externalFileAttributes & DOS_DIRECTORY) !== 0 ? 'dir' : 'file';
  switch (unix & S_IFMT) {
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      if (!dirByName) return 'link';
      break;
    case S_IFREG:
    case 0:
      return dirByName ? 'dir' : 'file';
  }
  throw unzipError(); // devices, FIFOs, sockets, or a symlink named like a directory
}

/** The unix mode, when the archive was made somewhere that has one (Unix, or macOS). */
function unixMode(entry: Entry): number | undefined {
  const host = entry.versionMadeBy >>> 8;
  if (host !== 3 && host !== 19) return undefined;
  const mode = entry.externalFileAttributes >>> 16;
  return mode === 0 ? undefined : mode;
}

/**
 * The path segments of an entry name, relative to the tree root. yauzl has already turned
 * backslashes into slashes and refused "..", "/x" and "C:"; this is the second line of defence.
 */
function safeSegments(name: string): string[] {
  if (name.length === 0 || name.includes('\0') || name.includes('\\')) throw unzipError();
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw unzipError();
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) throw unzipError();
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  for (const s of segments) if (s === '..' || Buffer.byteLength(s) > MAX_SEGMENT_BYTES) throw unzipError();
  return segments;
}

async function readLinkTarget(archive: ZipFile, entry: Entry, limits: ZipLimits, tally: Tally): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of contentsOf(archive, entry, limits, tally)) chunks.push(chunk);
  let target: string;
  try {
    target = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw unzipError();
  }
  if (target.length === 0 || target.includes('\0') || target.includes('\\') || target.startsWith('/')) {
    throw unzipError();
  }
  return target;
}

/**
 * Walks a link's target from the link's own directory as the kernel would: a name that is itself
 * a link is replaced by where that link leads, so ".." after it climbs from there. Refuses a walk
 * that climbs out of the root, a loop, or a chain too deep. Results are memoised per link.
 */
function resolveLink(link: Node, depth: number): Position {
  if (link.resolved === 'resolving' || depth > MAX_LINK_DEPTH) throw unzipError();
  if (link.resolved !== undefined) return link.resolved;
  link.resolved = 'resolving';
  let at: Position = { node: link.parent!, pending: 0 };
  for (const name of link.target!.split('/')) {
    if (name === '' || name === '.') continue;
    if (name === '..') {
      if (at.pending > 0) at = { node: at.node, pending: at.pending - 1 };
      else if (at.node.parent === undefined) throw unzipError(); // out of the tree
      else at = { node: at.node.parent, pending: 0 };
      continue;
    }
    const child = at.pending === 0 ? at.node.children?.get(name) : undefined;
    if (child === undefined) at = { node: at.node, pending: at.pending + 1 };
    else if (child.kind === 'link') at = resolveLink(child, depth + 1);
    else at = { node: child, pending: 0 };
  }
  link.resolved = at;
  return at;
}

/** Writes the surveyed tree under `dest`: directories, files, symlinks, then permissions. */
async function extract(archive: ZipFile, root: Node, dest: string, limits: ZipLimits, tally: Tally): Promise<void> {
  const dirs: string[] = [];
  const files: { rel: string; node: Node }[] = [];
  const links: { rel: string; target: string }[] = [];
  // Breadth first, so every directory comes after its parent.
  const queue: { rel: string; node: Node }[] = [{ rel: '', node: root }];
  for (let i = 0; i < queue.length; i++) {
    const { rel, node } = queue[i]!;
    for (const child of node.children?.values() ?? []) {
      const childRel = rel === '' ? child.name : `${rel}/${child.name}`;
      if (child.kind === 'dir') {
        dirs.push(childRel);
        queue.push({ rel: childRel, node: child });
      } else if (child.kind === 'file') files.push({ rel: childRel, node: child });
      else links.push({ rel: childRel, target: child.target! });
    }
  }

  for (const rel of dirs) await fs.mkdir(path.join(dest, rel), { mode: 0o700 });
  await forEachLimited(files, WRITE_CONCURRENCY, ({ rel, node }) =>
    writeFile(archive, node, path.join(dest, rel), limits, tally),
  );
  // Last, so that nothing is ever written through one.
  for (const { rel, target } of links) await fs.symlink(target, path.join(dest, rel));
  // Read-only only now that everything is written: deepest first, the root at the end.
  for (const rel of dirs.reverse()) await fs.chmod(path.join(dest, rel), 0o555);
  await fs.chmod(dest, 0o555);
}

async function writeFile(archive: ZipFile, node: Node, file: string, limits: ZipLimits, tally: Tally): Promise<void> {
  const handle = await fs.open(file, CREATE_NEW, 0o600);
  try {
    // Through the descriptor, so the umask has no say; the open descriptor stays writable.
    await handle.chmod(node.mode!);
    // Inflated chunks are small (16 KiB); gather some before each write.
    let batch: Buffer[] = [];
    let batched = 0;
    for await (const chunk of contentsOf(archive, node.entry!, limits, tally)) {
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH_BYTES) {
        await writeAll(handle, batch);
        batch = [];
        batched = 0;
      }
    }
    await writeAll(handle, batch);
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: fs.FileHandle, chunks: Buffer[]): Promise<void> {
  let data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  while (data.length > 0) {
    const { bytesWritten } = await handle.write(data);
    data = data.subarray(bytesWritten);
  }
}

/**
 * An entry's inflated bytes, checked as they pass: never more than the entry declared, nor more
 * than the archive may hold in total (whatever yauzl's own checks make of it), and matching the
 * declared size and CRC at the end. Anything wrong with the data is the unzip error.
 */
async function* contentsOf(archive: ZipFile, entry: Entry, limits: ZipLimits, tally: Tally): AsyncGenerator<Buffer> {
  let source: Readable;
  try {
    source = await archive.openReadStreamPromise(entry);
  } catch {
    throw unzipError();
  }
  const chunks: AsyncIterator<Buffer> = source[Symbol.asyncIterator]();
  let size = 0;
  let crc = 0;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch {
        throw unzipError(); // bad deflate data, or sizes yauzl caught lying
      }
      if (next.done) break;
      size += next.value.length;
      tally.bytes += next.value.length;
      if (tally.bytes > limits.maxUnzippedBytes) throw tooBig(limits);
      if (size > entry.uncompressedSize) throw unzipError();
      crc = crc32(next.value, crc);
      yield next.value;
    }
  } finally {
    source.destroy();
  }
  if (size !== entry.uncompressedSize || crc !== entry.crc32) throw unzipError();
}

/** Runs `work` over `items`, `width` at a time; after a failure starts no more, waits for the rest, throws the first. */
async function forEachLimited<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

// zlib.crc32 arrived in Node 20.15; earlier 20.x releases get this table-driven equivalent.
const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32Portable;

let crcTable: Uint32Array | undefined;
function crc32Portable(data: Uint8Array, value = 0): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = ~value;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
