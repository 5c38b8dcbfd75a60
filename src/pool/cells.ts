// Prewarmed runtimes ("cells"): sandboxed runtime processes started before any function is
// known, waiting on stdin for one. A cold start that finds a cell of its runtime takes it:
// the function's code appears in the cell's /var/task (hard links into a folder bound there
// when the cell was made), its limits are applied to the cell's cgroup, and its environment
// goes down the cell's stdin — the process start and the sandbox set-up have left the cold
// path. A cell serves one function, once; the pool refills in the background.

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RuntimeEndpoint, type RuntimeEvent } from '../runtime-api/index.js';
import { type Identity, type Sandbox, type Scratch } from '../sandbox/index.js';
import { admitOnly, type EnvironmentContext, type GuestPaths } from './environment.js';

/** How a runtime is started as a cell, and how a function is handed to it. */
export interface CellRecipe {
  /**
   * Cells are interchangeable within a key: a runtime id (`nodejs20.x`) for the default /tmp
   * size, with the size for others (`nodejs20.x@1024MB`).
   */
  readonly key: string;
  /** The size of the cells' /tmp: a function takes only a cell of its EphemeralStorage. */
  readonly scratchMB: number;
  readonly argv: (paths: GuestPaths) => string[];
  /** The cell's own environment (it must include LAMINA_CELL=1). */
  readonly env: (paths: GuestPaths) => Record<string, string>;
  readonly extraBinds: readonly { readonly source: string; readonly target: string }[];
  /** The bytes written to the cell's stdin for a function with environment `env`. */
  readonly encode: (env: Record<string, string>) => Buffer;
}

/** Lambda's default /tmp size, whose cells are keyed by the runtime id alone. */
export const DEFAULT_SCRATCH_MB = 512;
/**
 * Memory a waiting cell may use: Lambda's most, since a function's own limit replaces it on
 * assignment and rlimits (the degraded driver's limits) can be lowered but never raised.
 */
const CELL_MEMORY_MB = 10_240;
/** Code trees with more entries than this are not worth linking: such cold starts skip cells. */
const MAX_LINKED_ENTRIES = 5000;
const MB = 1024 * 1024;

/** A started, waiting runtime and what it holds. */
export class Cell {
  /** Receives the endpoint's events once the cell belongs to an environment. */
  target: ((e: RuntimeEvent) => void) | undefined;

  constructor(
    readonly recipe: CellRecipe,
    readonly identity: Identity,
    readonly scratch: Scratch,
    readonly endpoint: RuntimeEndpoint,
    /** Host folder bound read-only at /var/task: empty until the function's code is linked in. */
    readonly taskDir: string,
    readonly sandbox: Sandbox,
  ) {}

  /** Links the files of `codeTree` into the cell's /var/task. False: the tree is too big. */
  async populate(codeTree: string, entries: readonly TreeEntry[]): Promise<boolean> {
    if (entries.length > MAX_LINKED_ENTRIES) return false;
    for (const e of entries) {
      const target = path.join(this.taskDir, e.rel);
      if (e.kind === 'dir') await fs.mkdir(target, { mode: 0o755 });
      else if (e.kind === 'link') await fs.symlink(await fs.readlink(path.join(codeTree, e.rel)), target);
      else await fs.link(path.join(codeTree, e.rel), target).catch(() => fs.copyFile(path.join(codeTree, e.rel), target));
    }
    return true;
  }

  /** Frees everything (a cell that was never used, or whose environment has ended). */
  async dispose(): Promise<void> {
    this.sandbox.kill();
    await this.sandbox.exited;
    await this.sandbox.dispose().catch(() => {});
    await this.endpoint.close();
    await this.scratch.dispose().catch(() => {});
    await fs.rm(this.taskDir, { recursive: true, force: true });
    this.identity.release();
  }
}

export interface TreeEntry {
  readonly rel: string;
  readonly kind: 'dir' | 'file' | 'link';
}

/** Every entry of a tree, parents before children. */
export async function listTree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const d of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        out.push({ rel: r, kind: 'dir' });
        if (out.length <= MAX_LINKED_ENTRIES) await walk(r);
      } else out.push({ rel: r, kind: d.isSymbolicLink() ? 'link' : 'file' });
    }
  };
  await walk('');
  return out;
}

export interface CellPoolOptions {
  /** Cells kept ready per runtime (0 turns prewarming off). */
  readonly perRuntime: number;
  /** Host folder for the cells' /var/task folders. */
  readonly dir: string;
}

/** scope: one per server. */
export class CellPool {
  /** runtime key => recipe */
  private readonly recipes = new Map<string, CellRecipe>();
  /** runtime key => cells ready to take (started or starting) */
  private readonly ready = new Map<string, Cell[]>();
  /** runtime key => cells being made */
  private readonly making = new Map<string, number>();
  /** runtime key => consecutive cells that died waiting (a broken runtime is not retried forever) */
  private readonly deaths = new Map<string, number>();
  /** code tree => its entries (trees are immutable) */
  private readonly trees = new Map<string, Promise<TreeEntry[]>>();
  private closed = false;
  /** Cells being made (close() waits for them, then ends them). */
  private readonly inflight = new Set<Promise<Cell>>();

  constructor(
    private readonly ctx: EnvironmentContext,
    private readonly opts: CellPoolOptions,
  ) {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  /** Keeps cells of this runtime ready from now on. */
  want(recipe: CellRecipe): void {
    if (this.opts.perRuntime <= 0) return;
    this.recipes.set(recipe.key, recipe);
    this.refill(recipe.key);
  }

  /** A ready cell of `key`, now belonging to the caller; undefined when there is none. */
  take(key: string): Cell | undefined {
    const cell = this.ready.get(key)?.shift();
    if (cell) {
      this.deaths.set(key, 0);
      setTimeout(() => this.refill(key), 50).unref();
    }
    return cell;
  }

  /** The entries of a code tree, listed once. */
  entries(codeTree: string): Promise<TreeEntry[]> {
    let p = this.trees.get(codeTree);
    if (!p) {
      p = listTree(codeTree);
      this.trees.set(codeTree, p);
      p.catch(() => this.trees.delete(codeTree));
    }
    return p;
  }

  /** How many cells are ready, per runtime (for /health). */
  stats(): Record<string, number> {
    return Object.fromEntries([...this.ready].map(([k, cells]) => [k, cells.length]));
  }

  async close(): Promise<void> {
    this.closed = true;
    const cells = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.allSettled([...cells.map((c) => c.dispose()), ...[...this.inflight].map((p) => p.then((c) => c.dispose()))]);
  }

  private refill(key: string): void {
    const recipe = this.recipes.get(key);
    if (!recipe || this.closed || (this.deaths.get(key) ?? 0) >= 3) return;
    const have = (this.ready.get(key)?.length ?? 0) + (this.making.get(key) ?? 0);
    for (let i = have; i < this.opts.perRuntime; i++) {
      this.making.set(key, (this.making.get(key) ?? 0) + 1);
      const making = this.make(recipe);
      this.inflight.add(making);
      const settled = (): void => void this.inflight.delete(making);
      making.then(settled, settled);
      making.then(
        (cell) => {
          this.making.set(key, (this.making.get(key) ?? 1) - 1);
          if (this.closed) return; // close() ends it
          const list = this.ready.get(key) ?? [];
          this.ready.set(key, list);
          list.push(cell);
          void cell.sandbox.exited.then(() => {
            // Died while waiting: drop it and make another (a few times at most).
            const i = list.indexOf(cell);
            if (i < 0 || this.closed) return;
            list.splice(i, 1);
            this.deaths.set(key, (this.deaths.get(key) ?? 0) + 1);
            void cell.dispose();
            setTimeout(() => this.refill(key), 1000).unref();
          });
        },
        (err: unknown) => {
          this.making.set(key, (this.making.get(key) ?? 1) - 1);
          this.deaths.set(key, (this.deaths.get(key) ?? 0) + 1);
          this.ctx.onError(`cannot prewarm a ${key} runtime`, err);
        },
      );
    }
  }

  private async make(recipe: CellRecipe): Promise<Cell> {
    const { driver } = this.ctx;
    const identity = driver.allocateIdentity();
    let scratch: Scratch | undefined;
    let endpoint: RuntimeEndpoint | undefined;
    let cell: Cell | undefined;
    const taskDir = path.join(this.opts.dir, randomBytes(8).toString('hex'));
    try {
      scratch = await driver.scratch.create(recipe.scratchMB * MB);
      scratch.own(identity.uid, identity.gid);
      await fs.mkdir(taskDir, { mode: 0o755 });
      const own = process.getuid?.();
      endpoint = await RuntimeEndpoint.listen({
        onEvent: (e) => cell?.target?.(e),
        ...(identity.uid !== own && { admit: admitOnly(identity.uid, this.ctx) }),
      });
      const binds = [
        { source: taskDir, target: '/var/task' },
        { source: this.ctx.runtimeDir, target: '/var/runtime' },
        { source: scratch.path, target: '/tmp', writable: true },
      ] as const;
      const paths: GuestPaths = {
        task: driver.pathOf(binds[0]),
        runtime: driver.pathOf(binds[1]),
        tmp: driver.pathOf(binds[2]),
      };
      const sandbox = await driver.start({
        argv: recipe.argv(paths),
        env: { ...recipe.env(paths), AWS_LAMBDA_RUNTIME_API: endpoint.address },
        cwd: paths.task,
        binds: [...binds, ...recipe.extraBinds],
        identity,
        stdin: true,
        limits: { memoryBytes: CELL_MEMORY_MB * MB, pids: 1024, cpuWeight: 100, scratchBytes: recipe.scratchMB * MB },
      });
      cell = new Cell(recipe, identity, scratch, endpoint, taskDir, sandbox);
      return cell;
    } catch (err) {
      await endpoint?.close();
      await scratch?.dispose();
      await fs.rm(taskDir, { recursive: true, force: true });
      identity.release();
      throw err;
    }
  }
}
