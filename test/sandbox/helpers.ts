// Shared by the sandbox suite: a Lamina server with helpers to create and invoke functions
// through the AWS SDK, and host-side counters of what sandboxes hold (processes under the
// server, cgroups, mounts, scratch folders, listening sockets) to prove nothing leaks.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  type CreateFunctionCommandInput,
  type CreateFunctionCommandOutput,
  DeleteFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { createZipFunction } from '../helpers/functions.js';
import { type LaminaProcess, startLamina, type StartOptions } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';
import type { ZipEntry } from '../helpers/zip.js';

/** Skip reason for tests of the full sandbox: bubblewrap missing, or not root. */
export function sandboxMissing(): string | false {
  const noBwrap = missing('bwrap', ['--version'], 'bubblewrap');
  if (noBwrap) return noBwrap;
  if (process.getuid?.() !== 0) {
    const reason = 'needs root (the full sandbox runs bubblewrap as root)';
    if (process.env.LAMINA_REQUIRE_ALL === '1') throw new Error(`${reason}: nothing may be skipped in CI`);
    return reason;
  }
  return false;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Invoked {
  readonly status: number | undefined;
  readonly functionError: string | undefined;
  /** The payload as text. */
  readonly raw: string;
  /** The payload parsed as JSON (undefined when it is not JSON). */
  readonly body: any;
  readonly tail: string;
}

/** A running server and the SDK client to drive it. */
export class Harness {
  private pid: number | undefined;
  private constructor(
    readonly lamina: LaminaProcess,
    readonly sdk: LambdaClient,
  ) {}

  static async start(opts: StartOptions = {}): Promise<Harness> {
    const lamina = await startLamina(opts);
    return new Harness(lamina, lamina.sdk());
  }

  /** A new server on the same data directory (after stop() or kill9()). */
  async restart(): Promise<Harness> {
    const lamina = await this.lamina.restart();
    return new Harness(lamina, lamina.sdk());
  }

  get dataDir(): string {
    return this.lamina.dataDir;
  }

  async create(
    name: string,
    runtime: string,
    handler: string,
    files: Record<string, string> | ZipEntry[],
    extra: Partial<CreateFunctionCommandInput> = {},
  ): Promise<CreateFunctionCommandOutput> {
    return createZipFunction(this.sdk, name, files, { Runtime: runtime as Runtime, Handler: handler, Timeout: 10, ...extra });
  }

  async delete(name: string): Promise<void> {
    await this.sdk.send(new DeleteFunctionCommand({ FunctionName: name }));
  }

  async invoke(name: string, payload: unknown = {}, tail = false): Promise<Invoked> {
    const out = await this.sdk.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from(JSON.stringify(payload)),
        ...(tail && { LogType: 'Tail' as const }),
      }),
    );
    const raw = Buffer.from(out.Payload ?? []).toString('utf8');
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    return {
      status: out.StatusCode,
      functionError: out.FunctionError,
      raw,
      body,
      tail: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'),
    };
  }

  /** Host path of a function's unpacked code, from CreateFunction's CodeSha256 (base64). */
  codeTree(codeSha256: string): string {
    return path.join(this.dataDir, 'code', 'tree', Buffer.from(codeSha256, 'base64').toString('hex'));
  }

  /** The server's pid (the process listening on its port). */
  serverPid(): number {
    this.pid ??= pidListeningOn(this.lamina.port);
    if (this.pid === undefined) throw new Error('cannot find the server process');
    return this.pid;
  }

  /** Host-side counts of what the server's sandboxes hold right now. */
  census(): Census {
    return census(this.serverPid(), this.dataDir);
  }

  async health(): Promise<any> {
    const res = await fetch(`${this.lamina.url}/health`);
    return res.json();
  }

  async dispose(): Promise<void> {
    await this.lamina.dispose();
  }
}

/** A benign function per runtime family: proves the platform still serves others. */
export const BENIGN_NODE = {
  'index.js': 'let n = 0; exports.handler = async (event) => ({ ok: true, n: ++n, echo: event });',
};
export const BENIGN_PY = {
  'app.py': 'n = 0\ndef handler(event, context):\n    global n\n    n += 1\n    return {"ok": True, "n": n, "echo": event}\n',
};

// ---------------------------------------------------------------------------------------------
// Host-side counting.

/** A process's command name and parent, from /proc/<pid>/stat. */
function statOf(pid: number): { comm: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const rest = text.slice(close + 2).split(' ');
    return { comm, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Every descendant of `root` (pid and command name), from the ppid chains of /proc/*\/stat. */
export function descendants(root: number): { pid: number; comm: string }[] {
  const children = new Map<number, { pid: number; comm: string }[]>();
  for (const pid of allPids()) {
    const st = statOf(pid);
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push({ pid, comm: st.comm });
    children.set(st.ppid, list);
  }
  const out: { pid: number; comm: string }[] = [];
  const todo = [root];
  while (todo.length > 0) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}

/** The process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Inodes of the listening TCP sockets (IPv4 and IPv6) that `filter` keeps. */
function listeningInodes(filter: (port: number, addr: string, inode: string) => boolean): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const [addr, portHex] = f[1]!.split(':');
      if (filter(parseInt(portHex!, 16), addr!, f[9]!)) inodes.add(f[9]!);
    }
  }
  return inodes;
}

function socketInodesOf(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

export function pidListeningOn(port: number): number | undefined {
  const wanted = listeningInodes((p) => p === port);
  for (const pid of allPids()) {
    for (const inode of socketInodesOf(pid)) if (wanted.has(inode)) return pid;
  }
  return undefined;
}

/** TCP sockets `pid` listens on (its API port and one per environment's Runtime API). */
export function listeningSocketsOf(pid: number): number {
  const listening = listeningInodes(() => true);
  let n = 0;
  for (const inode of socketInodesOf(pid)) if (listening.has(inode)) n++;
  return n;
}

/** The cgroup base name a server gives its sandboxes (see main.ts). */
export function cgroupBaseName(dataDir: string): string {
  return `lamina-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

/**
 * The folders holding a server's sandbox cgroups: `<controller root>/<server's own group>/
 * lamina-<hash>` for every hierarchy the server belongs to (v1: one per controller; v2: one).
 */
export function cgroupBases(serverCgroupLines: string, dataDir: string): string[] {
  const base = cgroupBaseName(dataDir);
  const out: string[] = [];
  for (const line of serverCgroupLines.split('\n')) {
    const [, controllers, p] = line.split(':');
    if (controllers === undefined || p === undefined) continue;
    const roots =
      controllers === ''
        ? [existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified']
        : controllers.startsWith('name=')
          ? [`/sys/fs/cgroup/${controllers.slice(5)}`]
          : controllers.split(',').map((c) => `/sys/fs/cgroup/${c}`);
    for (const root of roots) {
      const dir = path.join(root, p, base);
      if (existsSync(dir)) out.push(dir);
    }
  }
  return [...new Set(out)];
}

/** Sandbox groups (sub-folders) under the bases. */
export function sandboxCgroups(bases: readonly string[]): string[] {
  const out: string[] = [];
  for (const base of bases) {
    try {
      for (const e of readdirSync(base, { withFileTypes: true })) if (e.isDirectory()) out.push(path.join(base, e.name));
    } catch {
      // base gone
    }
  }
  return out;
}

/** Mount points at or below `dir` in the host's mount table. */
export function mountsUnder(dir: string): string[] {
  const prefix = `${dir.replace(/\/$/, '')}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(prefix)));
}

export function scratchDir(dataDir: string): string {
  return path.join(dataDir, 'environments', 'scratch');
}

/** Entries (images and their mount folders) under the scratch folder. */
export function scratchEntries(dataDir: string): string[] {
  try {
    return readdirSync(scratchDir(dataDir));
  } catch {
    return [];
  }
}

/** Prewarmed cells' folders (each bound at a cell's /var/task). */
export function cellEntries(dataDir: string): string[] {
  try {
    return readdirSync(path.join(dataDir, 'environments', 'cells'));
  } catch {
    return [];
  }
}

/** Processes whose command line names `dir` (every bwrap of Lamina's binds its data folders). */
export function processesMentioning(dir: string): number[] {
  const out: number[] = [];
  for (const pid of allPids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

export interface Census {
  /** Descendant processes of the server, minus short-lived helpers (mkfs, mount, umount). */
  readonly processes: { pid: number; comm: string }[];
  readonly cgroups: string[];
  readonly mounts: string[];
  readonly scratch: string[];
  /** Prewarmed cells' /var/task folders. */
  readonly cells: string[];
  readonly listening: number;
}

const HELPERS = new Set(['mkfs.ext4', 'mke2fs', 'mount', 'umount']);

/**
 * Not a sandbox's: the cgroup v1 watchdog (it thaws frozen sandboxes should the server die),
 * and the byte-compiling of the Python runtime for each interpreter at start-up.
 */
function isServerHelper(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('freezer.state') || cmdline.includes('compileall');
  } catch {
    return false;
  }
}

export function census(serverPid: number, dataDir: string): Census {
  let lines = '';
  try {
    lines = readFileSync(`/proc/${serverPid}/cgroup`, 'utf8');
  } catch {
    // server gone
  }
  return {
    processes: descendants(serverPid).filter((p) => !HELPERS.has(p.comm) && !isServerHelper(p.pid)),
    cgroups: sandboxCgroups(cgroupBases(lines, dataDir)),
    mounts: mountsUnder(dataDir),
    scratch: scratchEntries(dataDir),
    cells: cellEntries(dataDir),
    listening: listeningSocketsOf(serverPid),
  };
}

/**
 * The server's processes that stay put: those seen in two censuses half a second apart. A
 * process just starting or ending (a helper, a runtime being replaced) is not one to guard.
 */
export async function steadyProcesses(h: Harness): Promise<{ pid: number; comm: string }[]> {
  const first = h.census().processes;
  await sleep(500);
  const again = new Set(h.census().processes.map((p) => p.pid));
  return first.filter((p) => again.has(p.pid));
}

/** Polls `read` until `done` holds (or the deadline passes); returns the last reading. */
export async function settle<T>(read: () => T, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = read();
  while (!done(v) && Date.now() < deadline) {
    await sleep(100);
    v = read();
  }
  return v;
}

/** Lambda's out-of-memory answer: 200, Unhandled, Runtime.ExitError "signal: killed", REPORT Error Type. */
export function assertOutOfMemory(out: Invoked, memoryMB: number): void {
  assert.equal(out.status, 200);
  assert.equal(out.functionError, 'Unhandled');
  assert.equal(out.body?.errorType, 'Runtime.ExitError', out.raw);
  assert.match(out.body.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/);
  assert.match(out.tail, /Runtime exited with error: signal: killed/);
  const report = /^REPORT .*$/m.exec(out.tail)?.[0] ?? '';
  assert.match(report, /\tStatus: error\tError Type: Runtime\.OutOfMemory\t/, out.tail);
  const used = Number(/Max Memory Used: (\d+) MB/.exec(report)?.[1]);
  assert.ok(used >= memoryMB * 0.9 && used <= memoryMB, `Max Memory Used is the limit reached: ${report}`);
}

/** Loopback ports `pid` listens on. */
export function listeningPortsOf(pid: number): number[] {
  const own = socketInodesOf(pid);
  const ports: number[] = [];
  listeningInodes((port, _addr, inode) => {
    if (own.has(inode)) ports.push(port);
    return false;
  });
  return ports.sort((a, b) => a - b);
}

/**
 * Watches the pids controller of the server's sandbox groups until stop(): the most
 * processes seen in one group, and how many forks the limit refused (pids.events).
 */
export function watchPids(h: Harness): { stop(): { maxPids: number; limitHits: number; samples: number } } {
  const seen = { maxPids: 0, limitHits: 0, samples: 0 };
  const bases = cgroupBases(readFileSync(`/proc/${h.serverPid()}/cgroup`, 'utf8'), h.dataDir);
  const sample = (): void => {
    seen.samples++;
    for (const dir of sandboxCgroups(bases)) {
      const current = readNumberFile(path.join(dir, 'pids.current'));
      if (current !== undefined) seen.maxPids = Math.max(seen.maxPids, current);
      try {
        const m = /^max (\d+)/m.exec(readFileSync(path.join(dir, 'pids.events'), 'utf8'));
        if (m) seen.limitHits = Math.max(seen.limitHits, Number(m[1]));
      } catch {
        // not the pids controller, or gone
      }
    }
  };
  const timer = setInterval(sample, 25);
  return {
    stop() {
      clearInterval(timer);
      return seen;
    },
  };
}

function readNumberFile(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Verdicts on what the attackers in guests/ report (shared by the Node and Python suites).

/** A snoop (guests' `snoop`) found nothing: host paths absent, /proc a dead end, no marker anywhere. */
export function assertSnoopFailed(r: any, hostPaths: readonly string[], secretName: string): void {
  for (const p of hostPaths) assert.equal(r.direct[p].outcome, 'ENOENT', `${p} is not in the view: ${JSON.stringify(r.direct[p])}`);
  // pid 1 (the namespace's init, root's) is out of reach; the function's own processes'
  // roots are its own view, where the host paths do not exist.
  assert.equal(r.proc['/proc/1/root'].outcome, 'EACCES');
  assert.equal(r.proc['/proc/1/cwd'].outcome, 'EACCES');
  assert.equal(r.proc['/proc/1/environ'].outcome, 'EACCES');
  const leaks = Object.entries(r.proc as Record<string, { outcome: string }>).filter(
    ([k, v]) => v.outcome === 'ok' && (hostPaths.some((p) => k.endsWith(`/root${p}`)) || k.endsWith(secretName)),
  );
  assert.deepEqual(leaks, [], 'no host path is reachable through /proc/<pid>/root');
  assert.deepEqual(r.found, [], `nothing of the victim is visible anywhere (${r.checked} paths searched)`);
  assert.deepEqual(r.sqlite, [], 'no SQLite database is visible');
  assert.deepEqual(r.ownEnv, [], "none of the server's variables reach the function");
  assert.ok(r.checked > 20, `the search walked the visible tree (${r.checked})`);
}

/** The function saw only its own tree, and no signal reached anything outside it. */
export function assertSignalsContained(r: any, serverPid: number, hostPids: readonly number[]): void {
  const visible = r.visible as { pid: number; uid: number; name: string }[];
  assert.deepEqual(
    visible.filter((p) => p.uid !== r.uid).map((p) => p.pid),
    [1],
    `only the namespace's init is not its own: ${JSON.stringify(visible)}`,
  );
  assert.ok(visible.length <= 3, `its own tree only: ${JSON.stringify(visible)}`);
  assert.equal(r.kills[`server ${serverPid} probe`].outcome, 'ESRCH', 'the server is not in its pid namespace');
  assert.equal(r.kills[`server ${serverPid} SIGKILL`].outcome, 'ESRCH');
  for (const pid of hostPids) assert.notEqual(r.kills[`host ${pid} SIGKILL`].outcome, 'ok', `host pid ${pid}`);
  assert.equal(r.kills['pid 1 SIGKILL'].outcome, 'EPERM');
  assert.equal(r.kills['pid 1 SIGSTOP'].outcome, 'EPERM');
}

/** Not root, no capabilities, no_new_privs, and every way up refused. */
export function assertUnprivileged(r: any): void {
  assert.notEqual(r.uid, 0);
  assert.notEqual(r.gid, 0);
  assert.ok(r.uid >= 1_000_000, `a uid of Lamina's range: ${r.uid}`);
  assert.equal(r.euid, r.uid);
  assert.match(r.Uid, new RegExp(`^${r.uid}\\s+${r.uid}\\s+${r.uid}\\s+${r.uid}$`));
  assert.match(r.Gid, new RegExp(`^${r.gid}\\s+${r.gid}\\s+${r.gid}\\s+${r.gid}$`));
  assert.ok((r.groups as number[]).every((g) => g === r.gid), `no supplementary groups: ${r.groups}`);
  for (const cap of ['CapEff', 'CapPrm', 'CapBnd', 'CapAmb']) assert.equal(r[cap], '0000000000000000', cap);
  assert.equal(r.NoNewPrivs, '1');
  for (const t of ['setuid', 'setgid', 'seteuid', 'setgroups']) assert.equal(r.tries[t].outcome, 'EPERM', t);
  for (const [t, v] of Object.entries(r.tries as Record<string, { outcome: string }>)) assert.notEqual(v.outcome, 'ok', t);
  assert.equal(r.idAfter, String(r.uid), 'a set-user-ID program did not make it root');
}

/**
 * The neighbour's endpoint did not speak HTTP to the attacker at all, even when it connected
 * from the port of the neighbour's own connection (impersonation); no port gave out an event.
 */
export function assertEndpointRefused(r: any, port: number, apiPort: number): void {
  const spoofed = (r.spoofed ?? []) as { port: number; from: string; response: { outcome: string }; next: { outcome: string } }[];
  if (r.spoofed) assert.ok(spoofed.some((s) => s.port === port), `the attacker impersonated the neighbour's connection: ${JSON.stringify(r.spoofed)}`);
  for (const s of spoofed) {
    if (s.port === apiPort) continue; // the API (SigV4, no peer check): its 403s are fine
    for (const what of ['response', 'next'] as const) {
      assert.ok(
        ['reset', 'closed'].includes(s[what].outcome),
        `impersonating ${s.from} → ${s.port}, ${what}: the endpoint admitted another uid (${JSON.stringify(s[what])})`,
      );
    }
  }
  assert.ok(r.discovered.includes(port), `the attacker found port ${port} in /proc/net/tcp: ${r.discovered}`);
  assert.ok(r.results[port], `the attacker tried port ${port}`);
  for (const [p, calls] of Object.entries(r.results as Record<string, Record<string, { event: boolean; outcome: string }>>)) {
    for (const [what, x] of Object.entries(calls)) {
      assert.equal(x.event, false, `port ${p} ${what} handed out an event`);
      if (Number(p) !== apiPort) {
        assert.ok(['reset', 'closed'].includes(x.outcome), `port ${p} ${what}: an endpoint must not speak to another uid (${x.outcome})`);
      }
    }
  }
}

/** Host-side receiver of a function's beacon (its request id and Runtime API address). */
/**
 * Where a function tells the test its request id and Runtime API address. Its call is
 * answered only at release(): until then the function is busy, however slow the host.
 */
export async function startBeacon(): Promise<{
  url: string;
  next(): Promise<{ id: string; api: string }>;
  release(): void;
  close(): void;
}> {
  const waiting: ((b: { id: string; api: string }) => void)[] = [];
  const heard: { id: string; api: string }[] = [];
  const held: http.ServerResponse[] = [];
  const release = (): void => {
    for (const res of held.splice(0)) res.end('ok');
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      held.push(res);
      const b = JSON.parse(body);
      const w = waiting.shift();
      if (w) w(b);
      else heard.push(b);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    next: () => new Promise((resolve) => (heard.length > 0 ? resolve(heard.shift()!) : waiting.push(resolve))),
    release,
    close: () => {
      release();
      server.close();
    },
  };
}

/** The host folder of the scratch (/tmp) holding `secretName`: exactly one must. */
export async function findVictimScratch(h: Harness, secretName: string): Promise<string> {
  const found = await settle(
    () => mountsUnder(scratchDir(h.dataDir)).filter((m) => existsSync(path.join(m, secretName))),
    (l) => l.length === 1,
  );
  assert.equal(found.length, 1, `the victim's secret is on exactly one scratch mount: ${found}`);
  return found[0]!;
}

/** Processes in each live sandbox's group (pids hierarchy on v1, the unified one on v2). */
export function pidsPerSandbox(h: Harness): number[] {
  return h
    .census()
    .cgroups.filter((dir) => existsSync(path.join(dir, 'pids.current')))
    .map((dir) => {
      try {
        return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    });
}

// ---------------------------------------------------------------------------------------------
// Moves shared by the hostile suites (hostile-node, hostile-python): a victim that keeps a
// secret in its /tmp, a benign function, and attackers running the guests in guests/.

export interface HostileMoves {
  /**
   * Creates the function `victim` (its code file `codeFile` holds the suite's marker; the
   * file must be where codeTree() says) and the function `benign`. The victim's code tree.
   */
  plantVictim(
    victim: { readonly runtime: string; readonly handler: string; readonly files: Record<string, string>; readonly codeFile: string },
    benign: Record<string, string>,
  ): Promise<string>;
  /**
   * The victim's first invocation, which stores the secret token in its /tmp: its answer, and
   * the host folder of that /tmp.
   */
  primeVictim(): Promise<{ readonly first: Invoked; readonly scratch: string }>;
  /**
   * Host paths a snooping attacker must not reach: the victim's code file and the folders above
   * it, the victim's /tmp and the secret in it, and Lamina's data (scratch, cells, databases,
   * the data directory itself). After plantVictim and primeVictim.
   */
  victimHostPaths(): string[];
  /** Runs an attack in `fn` (default `attacker`); the attacker's handler must not fail. Its report. */
  attack(payload: Record<string, unknown>, fn?: string): Promise<any>;
  /**
   * After every attack: the function `benign` answers, and the victim still holds the token in
   * its /tmp and counts on (its runtime was not disturbed, not re-initialized).
   */
  stillServing(): Promise<void>;
}

/**
 * The moves of a hostile suite whose server is `harness()` (read when a move runs): its victim
 * keeps `token` in /tmp/`secretName`, and its code holds `marker`.
 */
export function hostileMoves(
  harness: () => Harness,
  victim: { readonly token: string; readonly marker: string; readonly secretName: string },
): HostileMoves {
  const { token, marker, secretName } = victim;
  let victimN = 0;
  let codePath = '';
  let scratch = '';
  return {
    async plantVictim({ runtime, handler, files, codeFile }, benign) {
      const h = harness();
      const created = await h.create('victim', runtime, handler, files);
      const tree = h.codeTree(created.CodeSha256!);
      codePath = path.join(tree, codeFile);
      assert.match(readFileSync(codePath, 'utf8'), new RegExp(marker), 'the code tree path is right');
      await h.create('benign', runtime, handler, benign);
      return tree;
    },
    async primeVictim() {
      const h = harness();
      const first = await h.invoke('victim', { secret: token });
      assert.equal(first.body.secret, token, first.raw);
      victimN = first.body.n;
      scratch = await findVictimScratch(h, secretName);
      return { first, scratch };
    },
    victimHostPaths() {
      const { dataDir } = harness();
      const tree = path.dirname(codePath);
      return [
        codePath,
        tree,
        path.dirname(tree),
        path.join(scratch, secretName),
        scratch,
        scratchDir(dataDir),
        path.join(dataDir, 'environments', 'cells'),
        path.join(dataDir, 'lamina.db'),
        path.join(dataDir, 'logs.db'),
        dataDir,
      ];
    },
    async attack(payload, fn = 'attacker') {
      const out = await harness().invoke(fn, payload);
      assert.equal(out.functionError, undefined, `the attacker's handler failed: ${out.raw}`);
      return out.body;
    },
    async stillServing() {
      const h = harness();
      const benign = await h.invoke('benign', { after: 'attack' });
      assert.equal(benign.functionError, undefined, benign.raw);
      assert.equal(benign.body.ok, true);
      const victim = await h.invoke('victim');
      assert.equal(victim.functionError, undefined, victim.raw);
      assert.equal(victim.body.secret, token, 'the victim kept its /tmp');
      assert.equal(victim.body.n, ++victimN, 'the victim runtime was not disturbed (not re-initialized)');
    },
  };
}

/**
 * The attacker's fork bomb in `fn` (an attacker function): the pids limit stops it, the next
 * invocation works, and afterwards every process under the server is in a sandbox's group,
 * each group holding one runtime's tree (outer bwrap, the namespace's init, the runtime).
 */
export async function assertForkBombContained(h: Harness, fn: string): Promise<void> {
  assert.equal((await h.invoke(fn, { attack: 'whoami' })).functionError, undefined);
  const watch = watchPids(h);
  const bomb = await h.invoke(fn, { attack: 'fork-bomb' }, true);
  const seen = watch.stop();
  assert.equal(bomb.status, 200);
  assert.equal(bomb.functionError, 'Unhandled');
  assert.match(bomb.body.errorType, /^(Sandbox\.Timedout|Runtime\.ExitError)$/, bomb.raw);
  // Seen from the host (when a sample caught it), or from inside: the runtime logs the fork
  // the kernel refused it (and exits).
  const refused = /FORK-REFUSED (EAGAIN|.*Cannot fork)/.test(bomb.tail);
  assert.ok(seen.limitHits > 0 || seen.maxPids >= 1000 || refused, `the pids limit was reached: ${JSON.stringify(seen)}\n${bomb.tail}`);
  assert.ok(seen.maxPids <= 1024, `never more than pids.max: ${JSON.stringify(seen)}`);
  const next = await h.invoke(fn, { attack: 'whoami' });
  assert.equal(next.functionError, undefined, next.raw);
  const leftover = await settle(
    () => ({ groups: pidsPerSandbox(h), processes: h.census().processes.length }),
    (c) => c.groups.every((n) => n <= 3) && c.processes === c.groups.reduce((a, b) => a + b, 0),
  );
  assert.ok(leftover.groups.every((n) => n <= 3), `no sandbox holds more than its runtime: ${JSON.stringify(leftover)}`);
  assert.equal(leftover.processes, leftover.groups.reduce((a, b) => a + b, 0), 'no process outside a sandbox group');
}

/**
 * Fills /tmp from `fn` (an attacker function with MemorySize 128 and EphemeralStorage 512):
 * 300 MB fit (/tmp is disk-backed, not memory), 600 MB stop at ENOSPC near 512 MB, and the
 * function keeps working.
 */
export async function assertTmpSizedByEphemeralStorage(h: Harness, fn: string): Promise<void> {
  const MB = 1024 * 1024;
  const small = await h.invoke(fn, { attack: 'fill', mb: 300 });
  assert.equal(small.functionError, undefined, small.raw);
  assert.deepEqual(small.body, { written: 300, code: null, size: 300 * MB }, small.raw);
  const big = await h.invoke(fn, { attack: 'fill', mb: 600 });
  assert.equal(big.functionError, undefined, big.raw);
  assert.equal(big.body.code, 'ENOSPC');
  assert.ok(big.body.written >= 400 && big.body.written < 512, `stopped near 512 MB: ${big.raw}`);
  const after = await h.invoke(fn, { attack: 'fill', mb: 10 });
  assert.deepEqual(after.body, { written: 10, code: null, size: 10 * MB }, 'the function keeps working');
}

/**
 * The attacker tries to take the events of the function `neighbour` (a guest that reports its
 * request id and Runtime API address to a beacon, then holds the invocation) through its
 * Runtime API: 1. while the neighbour is busy, polling its endpoint and forging a result for
 * its real request id (with `attacker`); 2. while it waits idle in `next` (with
 * `idleAttacker`). The neighbour answers its own events throughout: `tokens[0]` while busy,
 * each of the others afterwards.
 */
export async function assertNeighbourEventsGuarded(
  h: Harness,
  moves: HostileMoves,
  opts: { readonly neighbour: string; readonly tokens: readonly [string, ...string[]]; readonly idleAttacker: string },
): Promise<void> {
  const { neighbour, tokens, idleAttacker } = opts;
  const beacon = await startBeacon();
  try {
    const busy = h.invoke(neighbour, { beacon: beacon.url, token: tokens[0] });
    let busyNow = true;
    void busy.then(() => (busyNow = false));
    const { id, api } = await beacon.next();
    const port = Number(api.split(':')[1]);
    const ports = listeningPortsOf(h.serverPid());
    assert.ok(ports.includes(port) && ports.includes(h.lamina.port), `the server listens on ${ports}`);
    const during = await moves.attack({ attack: 'runtime-api', id, ports, spoofPorts: [port] });
    assert.equal(busyNow, true, 'the forgery was tried while the neighbour was still busy');
    beacon.release();
    const done = await busy;
    assert.equal(done.functionError, undefined, done.raw);
    assert.deepEqual(done.body, { mine: tokens[0], id }, 'the neighbour answered its own event, not the forgery');
    assertEndpointRefused(during, port, h.lamina.port);

    const idle = await moves.attack(
      { attack: 'runtime-api', id: '6f0b5a3e-0000-4000-8000-000000000000', ports: [port], spoofPorts: [port] },
      idleAttacker,
    );
    assertEndpointRefused(idle, port, h.lamina.port);
    for (const token of tokens.slice(1)) {
      const out = await h.invoke(neighbour, { token });
      assert.equal(out.body.mine, token, 'the neighbour still receives its own events');
    }
  } finally {
    beacon.close();
  }
}
