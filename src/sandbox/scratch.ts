// Private writable scratch space of a fixed size (what a function sees as /tmp). Where Lamina
// may mount, each scratch is a sparse ext4 image loop-mounted on its own folder: writing past
// its size is ENOSPC, and its pages are not charged to the sandbox's memory (a tmpfs would be:
// a 128 MB function could not fill a 512 MB /tmp). Images are made ahead of need, off the
// cold path. Elsewhere a scratch is a plain folder without a size limit.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, chmodSync, closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Scratch {
  /** Host path of the folder. */
  readonly path: string;
  /** Gives the folder to `uid`/`gid` (the sandbox's identity). */
  own(uid: number, gid: number): void;
  dispose(): Promise<void>;
}

export interface ScratchFactory {
  /** True when scratches are sized file systems. */
  readonly sized: boolean;
  create(bytes: number): Promise<Scratch>;
  close(): Promise<void>;
}

/** Scratches kept ready per size (the default 512 MB one is by far the most common). */
const READY_PER_SIZE = 2;
const DEFAULT_SIZE = 512 * 1024 * 1024;

/** Unmounts and removes what an earlier run left under `root`; returns how many mounts it found. */
export async function reapScratch(root: string): Promise<number> {
  const mounts = existsSync(root) ? mountsUnder(root) : [];
  for (const m of mounts) await unmount(m).catch(() => {});
  await rm(root, { recursive: true, force: true });
  return mounts.length;
}

export function plainScratchFactory(root: string): ScratchFactory {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return {
    sized: false,
    async create() {
      const dir = path.join(root, randomBytes(8).toString('hex'));
      mkdirSync(dir, { mode: 0o700 });
      return {
        path: dir,
        own: (uid, gid) => chownSync(dir, uid, gid),
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    },
    close: async () => {},
  };
}

/** Sized scratches on loop-mounted ext4 images; throws when this host cannot make them. */
export async function loopScratchFactory(root: string): Promise<ScratchFactory> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const ready = new Map<number, Promise<Scratch>[]>();
  let closed = false;

  const make = async (bytes: number): Promise<Scratch> => {
    const id = randomBytes(8).toString('hex');
    const image = path.join(root, `${id}.img`);
    const dir = path.join(root, id);
    const fd = openSync(image, 'wx', 0o600);
    try {
      ftruncateSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
    try {
      mkdirSync(dir, { mode: 0o700 });
      // No journal, no reserved blocks, no lazy init left for later: a fast, private /tmp.
      await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-O', '^has_journal', '-E', 'lazy_itable_init=0,nodiscard', image]);
      await run('mount', ['-o', 'loop,nosuid,nodev', image, dir]);
      await rm(path.join(dir, 'lost+found'), { recursive: true, force: true });
    } catch (err) {
      await rm(image, { force: true });
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      path: dir,
      own(uid, gid) {
        chownSync(dir, uid, gid);
        chmodSync(dir, 0o700);
      },
      async dispose() {
        await unmount(dir);
        await rm(dir, { recursive: true, force: true });
        await rm(image, { force: true });
      },
    };
  };

  const refill = (bytes: number): void => {
    if (closed) return;
    const list = ready.get(bytes) ?? [];
    ready.set(bytes, list);
    while (list.length < READY_PER_SIZE) {
      const p = make(bytes);
      p.catch(() => {}); // a failure shows when the scratch is taken
      list.push(p);
    }
  };

  // Prove that this host can make one before promising sized scratches.
  const probe = await make(16 * 1024 * 1024);
  await probe.dispose();
  refill(DEFAULT_SIZE);

  return {
    sized: true,
    async create(bytes) {
      const list = ready.get(bytes);
      const taken = list?.shift();
      // Refilling spawns mkfs and mount: not on this caller's path.
      setImmediate(() => refill(bytes));
      return taken ?? make(bytes);
    },
    async close() {
      closed = true;
      const pending = [...ready.values()].flat();
      ready.clear();
      await Promise.all(pending.map((p) => p.then((s) => s.dispose(), () => {})));
    },
  };
}

async function unmount(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  try {
    await run('umount', [dir]);
  } catch {
    // Busy (a process still holds a file): detach now, the kernel frees it when released.
    await run('umount', ['-l', dir]).catch(() => {});
  }
}

/** Mount points at or below `root`, deepest first. */
function mountsUnder(root: string): string[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === root || p.startsWith(prefix)))
    .map((p) => p.replace(/\\040/g, ' '));
  return points.sort((a, b) => b.length - a.length);
}
