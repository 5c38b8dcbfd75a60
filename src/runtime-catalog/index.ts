// The runtimes this host can run, found once at start-up: Node.js (the host's node for every
// nodejs*.x Lambda offers), every CPython 3.X on PATH or under pyenv, and the `provided`
// family (the function brings its own bootstrap).

import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type RuntimeFamily = 'node' | 'python' | 'provided';

export interface RuntimeInfo {
  /** The Lambda runtime identifier, e.g. `python3.12`. */
  readonly id: string;
  readonly family: RuntimeFamily;
  /** The interpreter; undefined for `provided*`. */
  readonly executable?: string;
  /** The interpreter's version, e.g. `20.20.2` or `3.12`. */
  readonly version?: string;
  /** Set when the runtime runs on an interpreter of another major version than it names. */
  readonly warning?: string;
}

export interface RuntimeCatalog {
  get(id: string): RuntimeInfo | undefined;
  /** Sorted by id. */
  list(): readonly RuntimeInfo[];
}

const NODE_RUNTIMES = [18, 20, 22, 24];
const PROVIDED_RUNTIMES = ['provided', 'provided.al2', 'provided.al2023'];

export interface DiscoveryOptions {
  /** PATH to search (defaults to the server's). */
  readonly searchPath?: string;
  /** pyenv's root (defaults to PYENV_ROOT or ~/.pyenv). */
  readonly pyenvRoot?: string;
  readonly nodeExecutable?: string;
  readonly nodeVersion?: string;
}

export function discoverRuntimes(opts: DiscoveryOptions = {}): RuntimeCatalog {
  const found = new Map<string, RuntimeInfo>();

  const nodeExe = opts.nodeExecutable ?? process.execPath;
  const nodeVersion = opts.nodeVersion ?? process.versions.node;
  const hostMajor = Number(nodeVersion.split('.')[0]);
  for (const major of NODE_RUNTIMES) {
    const id = `nodejs${major}.x`;
    found.set(id, {
      id,
      family: 'node',
      executable: nodeExe,
      version: nodeVersion,
      ...(major !== hostMajor && { warning: `${id} runs on the host's Node.js ${nodeVersion}` }),
    });
  }

  for (const [minor, exe] of findPythons(opts)) {
    const id = `python3.${minor}`;
    found.set(id, { id, family: 'python', executable: exe, version: `3.${minor}` });
  }

  for (const id of PROVIDED_RUNTIMES) found.set(id, { id, family: 'provided' });

  const sorted = [...found.values()].sort((a, b) => compareIds(a.id, b.id));
  return { get: (id) => found.get(id), list: () => sorted };
}

/** minor version => interpreter path; the first found wins (PATH before pyenv). */
function findPythons(opts: DiscoveryOptions): Map<number, string> {
  const result = new Map<number, string>();
  const consider = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^python3\.(\d+)$/.exec(name);
      if (!m) continue;
      const minor = Number(m[1]);
      if (result.has(minor)) continue;
      const exe = path.join(dir, name);
      if (isRealExecutable(exe)) result.set(minor, realpathSync(exe));
    }
  };
  const searchPath = opts.searchPath ?? process.env.PATH ?? '';
  for (const dir of searchPath.split(path.delimiter)) {
    // pyenv's shims are shell scripts that pick an interpreter per directory: never run those.
    if (dir && !dir.includes(`${path.sep}shims`)) consider(dir);
  }
  const pyenvRoot = opts.pyenvRoot ?? process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');
  let versions: string[] = [];
  try {
    versions = readdirSync(path.join(pyenvRoot, 'versions')).sort(compareDotted).reverse();
  } catch {
    // no pyenv
  }
  for (const v of versions) consider(path.join(pyenvRoot, 'versions', v, 'bin'));
  return result;
}

function isRealExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}

/** nodejs18.x < nodejs20.x < provided < python3.6 < python3.13: family, then version. */
function compareIds(a: string, b: string): number {
  const [fa, va] = splitId(a);
  const [fb, vb] = splitId(b);
  return fa !== fb ? fa.localeCompare(fb) : compareDotted(va, vb);
}

function splitId(id: string): [string, string] {
  const m = /^([a-z]+)(.*)$/.exec(id);
  return m ? [m[1]!, m[2]!.replace(/^\.|\.x$/g, '')] : [id, ''];
}
