// Function code on disk, stored once by content: the zip as uploaded (for GetFunction's
// download link) and its unpacked, read-only tree (what runtimes see as /var/task).
//
//   <root>/zip/<sha256 hex>.zip
//   <root>/tree/<sha256 hex>/…
//   <root>/tmp/…                 work in progress; emptied at start-up
//
// A put writes everything under tmp/ and renames it into place, so a crash leaves no
// half-written tree under tree/.

import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../../model/index.js';
import type { CodeStore } from '../types.js';
import { removeTree } from './remove-tree.js';
import { unpackZip } from './zip-intake.js';

/** How long unreferenced code is kept before collection may remove it. */
const COLLECT_GRACE_MS = 10 * 60_000;

/** Lambda's limit on a zip uploaded directly in the request. */
export const MAX_ZIP_BYTES = 52_428_800;

const hexOf = (sha256: string): string => Buffer.from(sha256, 'base64').toString('hex');

export async function openCodeStore(root: string): Promise<CodeStore> {
  const dirs = { zip: path.join(root, 'zip'), tree: path.join(root, 'tree'), tmp: path.join(root, 'tmp') };
  await removeTree(dirs.tmp);
  await Promise.all(Object.values(dirs).map((d) => fs.mkdir(d, { recursive: true })));

  const treePath = (sha256: string): string => path.join(dirs.tree, hexOf(sha256));

  return {
    async put(zip) {
      if (zip.length > MAX_ZIP_BYTES) {
        throw new ApiError('RequestEntityTooLargeException', `Zipped size must be smaller than ${MAX_ZIP_BYTES} bytes`);
      }
      const digest = createHash('sha256').update(zip).digest();
      const sha256 = digest.toString('base64');
      const hex = digest.toString('hex');
      const tree = path.join(dirs.tree, hex);
      if (existsSync(tree)) {
        // Stored before: mark it as just used, so that collection leaves it alone for a while.
        const now = new Date();
        await fs.utimes(path.join(dirs.zip, `${hex}.zip`), now, now).catch(() => {});
        return { sha256, size: zip.length };
      }

      const work = path.join(dirs.tmp, randomUUID());
      try {
        await fs.mkdir(work);
        await unpackZip(zip, path.join(work, 'tree'));
        await fs.writeFile(path.join(work, 'code.zip'), zip, { mode: 0o444 });
        await fs.rename(path.join(work, 'code.zip'), path.join(dirs.zip, `${hex}.zip`));
        // Moving a directory to a new parent rewrites its "..", which needs write permission on
        // it unless we run as root: the read-only root opens for the move and closes once in place.
        await fs.chmod(path.join(work, 'tree'), 0o755);
        await fs.rename(path.join(work, 'tree'), tree).then(
          () => fs.chmod(tree, 0o555),
          (err: NodeJS.ErrnoException) => {
            // Another put of the same content won the race: its tree is as good as ours.
            if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
          },
        );
      } finally {
        await removeTree(work);
      }
      return { sha256, size: zip.length };
    },

    async read(sha256) {
      try {
        return await fs.readFile(path.join(dirs.zip, `${hexOf(sha256)}.zip`));
      } catch {
        return undefined;
      }
    },

    treePath,

    async collect(inUse) {
      const keep = new Set([...inUse].map(hexOf));
      // Code stored moments ago may belong to a function whose record is being written.
      const youngerThan = Date.now() - COLLECT_GRACE_MS;
      let removed = 0;
      for (const name of await fs.readdir(dirs.tree)) {
        if (keep.has(name)) continue;
        const stored = await fs.stat(path.join(dirs.zip, `${name}.zip`)).catch(() => undefined);
        if (stored && stored.mtimeMs > youngerThan) continue;
        await fs.rm(path.join(dirs.zip, `${name}.zip`), { force: true });
        await removeTree(path.join(dirs.tree, name));
        removed++;
      }
      return removed;
    },
  };
}
