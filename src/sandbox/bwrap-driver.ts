// The full sandbox: bubblewrap (run as root) builds each tree's view — read-only system
// folders, the caller's binds, its own /proc (pid namespace), ipc and uts namespaces, a
// minimal /dev — and setpriv then drops to the tree's own uid with no capabilities and
// no_new_privs before the command runs. A cgroup holds the tree's limits and freezes it.
// The network stays the host's (functions call out, as on Lambda).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { CgroupManager } from './cgroups.js';
import type { ScratchFactory } from './scratch.js';
import type { Bind, ExitInfo, Sandbox, SandboxDriver, SandboxSpec } from './types.js';

/** Files of /etc that programs commonly need (name resolution, TLS roots, time zone, users). */
const ETC_FILES = [
  'alternatives',
  'ca-certificates',
  'ca-certificates.conf',
  'ssl',
  'resolv.conf',
  'hosts',
  'host.conf',
  'nsswitch.conf',
  'gai.conf',
  'localtime',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'passwd',
  'group',
  'protocols',
  'services',
  'mime.types',
  'os-release',
];

/** Top-level folders that are symlinks into /usr on merged-usr systems, else bound as they are. */
const SYSTEM_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

export interface BwrapOptions {
  /** Where the sandboxes' /etc is prepared. */
  readonly etcDir: string;
  readonly bwrap: string;
  readonly setpriv: string;
  readonly cgroups: CgroupManager;
  readonly scratch: ScratchFactory;
  /** First uid (and gid) of the range given to sandboxes. */
  readonly uidBase: number;
  readonly uidCount: number;
}

export function createBwrapDriver(opts: BwrapOptions): SandboxDriver {
  const systemArgs = systemView(prepareEtc(opts.etcDir));
  const used = new Set<number>();
  let nextUid = 0;

  const allocateUid = (): number => {
    for (let i = 0; i < opts.uidCount; i++) {
      const uid = opts.uidBase + ((nextUid + i) % opts.uidCount);
      if (!used.has(uid)) {
        used.add(uid);
        nextUid = (uid - opts.uidBase + 1) % opts.uidCount;
        return uid;
      }
    }
    throw new Error('no free sandbox uid');
  };

  return {
    isolation: 'namespaces',
    description: `bubblewrap namespaces (mount, pid, ipc, uts), per-sandbox uid, cgroup v${opts.cgroups.version} limits and freezer${opts.scratch.sized ? ', sized /tmp' : ''}`,
    pathOf: (bind: Bind) => bind.target,
    scratch: opts.scratch,
    allocateIdentity() {
      const uid = allocateUid();
      return { uid, gid: uid, release: () => void used.delete(uid) };
    },

    async start(spec: SandboxSpec): Promise<Sandbox> {
      const identity = spec.identity;
      if (!identity) throw new Error('a namespaced sandbox needs an identity');
      const name = randomBytes(8).toString('hex');
      const cg = opts.cgroups.create(name, spec.limits);
      const args = [
        '--unshare-pid',
        '--unshare-ipc',
        '--unshare-uts',
        '--unshare-cgroup-try',
        '--hostname',
        'lamina',
        '--die-with-parent',
        '--new-session',
        ...systemArgs,
        ...bindArgs(spec.binds),
        '--proc',
        '/proc',
        '--dev',
        '/dev',
        '--dir',
        '/opt',
        '--chdir',
        spec.cwd,
        '--',
        opts.setpriv,
        `--reuid=${identity.uid}`,
        `--regid=${identity.gid}`,
        '--clear-groups',
        '--no-new-privs',
        '--inh-caps=-all',
        '--ambient-caps=-all',
        '--bounding-set=-all',
        '--',
        ...spec.argv,
      ];
      // The shell joins the cgroup, then becomes bubblewrap: every process of the tree is
      // born inside the group, with no window in which one could escape it.
      const join = cg.procsFiles.map((f) => `echo $$ > '${f}'`).join(' && ');
      // The arguments go through a pipe (--args), not the command line: inside the sandbox,
      // /proc/1/cmdline would otherwise show host paths (data folder, code hash, scratch).
      // (bubblewrap takes only options that way; the command, with guest paths only, stays.)
      const split = args.indexOf('--');
      const options = args.slice(0, split);
      const command = args.slice(split);
      const child = spawn('/bin/sh', ['-c', `${join} && exec "$0" --args 3 "$@"`, opts.bwrap, ...command], {
        env: { ...spec.env },
        stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
      });
      (child.stdio[3] as NodeJS.WritableStream | null)?.end(options.map((a) => `${a}\0`).join(''));
      const exited = new Promise<ExitInfo>((resolve) => {
        child.once('exit', (code, signal) => {
          const outOfMemory = cg.oomKills() > 0;
          // bubblewrap reports a command killed by signal N as exit status 128 + N.
          const bySignal = code !== null && code > 128 && code <= 128 + 64;
          resolve({
            code: bySignal ? null : code,
            signal: bySignal ? (signalName(code - 128) ?? null) : signal,
            outOfMemory,
          });
        });
        child.once('error', () => resolve({ code: 127, signal: null, outOfMemory: false }));
      });
      let gone = false;
      let disposed: Promise<void> | undefined;
      let finalPeak: number | undefined;
      void exited.then(() => (gone = true));
      await new Promise<void>((resolve) => {
        child.once('spawn', resolve);
        child.once('error', () => resolve());
      });

      const killTree = (): void => {
        if (gone) return;
        try {
          cg.thaw(); // frozen tasks cannot die
        } catch {
          // group already gone
        }
        killAll(cg.pids());
        child.kill('SIGKILL');
      };

      return {
        pid: child.pid ?? -1,
        uid: identity.uid,
        stdout: child.stdout!,
        stderr: child.stderr!,
        ...(child.stdin && { stdin: child.stdin }),
        exited,
        freeze: () => {
          if (!gone) cg.freeze();
        },
        thaw: () => {
          if (!gone) cg.thaw();
        },
        kill: killTree,
        // Once the group is removed, the peak it reached (an OOM kill's REPORT needs it).
        memoryPeak: () => finalPeak ?? cg.memoryPeak(),
        memoryCurrent: () => cg.memoryCurrent(),
        setLimits: (limits) => cg.setLimits(limits),
        dispose() {
          disposed ??= (async () => {
            killTree();
            await exited;
            // Stragglers of a tree whose leader died (they die with the pid namespace; on a
            // loaded host that can take seconds).
            const deadline = Date.now() + 20_000;
            for (let wait = 10; cg.pids().length > 0 && Date.now() < deadline; wait = Math.min(wait * 2, 250)) {
              killAll(cg.pids());
              await new Promise((r) => setTimeout(r, wait));
            }
            finalPeak = cg.memoryPeak();
            await cg.remove();
          })();
          return disposed;
        },
      };
    },

    async close() {
      await opts.scratch.close();
      await opts.cgroups.close();
    },
  };
}

/** bubblewrap arguments for the read-only system part of the view. */
function systemView(etcDir: string): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const dir of SYSTEM_DIRS) {
    const p = `/${dir}`;
    if (!existsSync(p)) continue;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) args.push('--symlink', path.relative('/', realpathSync(p)), p);
    else args.push('--ro-bind', p, p);
  }
  // One bind of a prepared copy rather than one per file: each mount costs.
  args.push('--ro-bind', etcDir, '/etc');
  return args;
}

/**
 * A copy of the parts of the host's /etc that sandboxes see (made at start-up; files are
 * copied, symbolic links kept as they are, private key folders left out).
 */
function prepareEtc(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const name of ETC_FILES) {
    const src = `/etc/${name}`;
    if (!existsSync(src)) continue;
    cpSync(realpathSync(src), path.join(dir, name), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (from) => path.basename(from) !== 'private',
    });
  }
  return dir;
}

/**
 * Binds in order of their targets; parents that do not exist yet are made traversable
 * (a bind under a 0700 home, such as pyenv's interpreters, needs its parents to be).
 */
function bindArgs(binds: readonly Bind[]): string[] {
  const args: string[] = [];
  const made = new Set<string>(['/', '/usr', '/etc']);
  for (const bind of [...binds].sort((a, b) => a.target.localeCompare(b.target))) {
    const parents: string[] = [];
    for (let dir = path.dirname(bind.target); !made.has(dir) && dir !== '/'; dir = path.dirname(dir)) parents.unshift(dir);
    if (parents.some((p) => binds.some((b) => b !== bind && p.startsWith(`${b.target}/`)))) {
      // Inside another bind: its folders exist already.
    } else {
      for (const dir of parents) {
        args.push('--perms', '0755', '--dir', dir);
        made.add(dir);
      }
    }
    args.push(bind.writable ? '--bind' : '--ro-bind', bind.source, bind.target);
    made.add(bind.target);
  }
  return args;
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function signalName(n: number): NodeJS.Signals | undefined {
  const names: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };
  return names[n];
}
