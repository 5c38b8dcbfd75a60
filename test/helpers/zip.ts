// Builds zip archives in memory for tests (deflate or stored entries, unix modes, symlinks).

import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  readonly content?: string | Buffer;
  /** Unix mode bits, e.g. 0o755; the file type bits are added from `kind`. */
  readonly mode?: number;
  readonly kind?: 'file' | 'dir' | 'symlink';
  readonly store?: boolean;
}

/** `files` maps names to contents; `bootstrap`-like entries can be given as ZipEntry. */
export function makeZip(files: Record<string, string | Buffer> | readonly ZipEntry[]): Buffer {
  const entries: ZipEntry[] = Array.isArray(files)
    ? [...(files as readonly ZipEntry[])]
    : Object.entries(files).map(([name, content]) => ({ name, content }));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const kind = e.kind ?? (e.name.endsWith('/') ? 'dir' : 'file');
    const data = Buffer.from(e.content ?? '');
    const compressed = e.store || kind !== 'file' ? data : deflateRawSync(data);
    const method = compressed === data ? 0 : 8;
    const typeBits = kind === 'dir' ? 0o040000 : kind === 'symlink' ? 0o120000 : 0o100000;
    const mode = typeBits | (e.mode ?? (kind === 'dir' ? 0o755 : 0o644));
    const name = Buffer.from(e.name);
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
