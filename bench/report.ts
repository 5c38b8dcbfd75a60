// The results: a table on stdout, and bench/results/latest.json in the issue's form
// {"date", "machine", "commit", "figures": [...]} (plus "mode", "dirty", "isolation" and
// "notes", which explain the figures and that tools may ignore).

import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Figure } from './stats.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** The 1, 5 and 15 minute load averages when the bench started (others share the machine). */
  readonly loadAverage: readonly number[];
  /** …and when it ended. */
  loadAverageAfter?: readonly number[];
}

export interface Results {
  readonly date: string;
  readonly machine: Machine;
  readonly commit: string;
  readonly figures: readonly Figure[];
  readonly mode: 'quick' | 'full';
  /** The work tree had changes not in `commit`. */
  readonly dirty: boolean;
  readonly isolation: string;
  readonly notes: Readonly<Record<string, string>>;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function gitState(cwd: string): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** Three significant digits, never in exponent form. */
export function fmt(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function table(figures: readonly Figure[], notes: Readonly<Record<string, string>>): string {
  const head = ['figure', 'unit', 'median', 'p99', 'min–max', 'runs', 'floor', 'ratio'];
  const rows = figures.map((f) => [
    f.name,
    f.unit,
    f.median === null ? 'n/a' : fmt(f.median),
    fmt(f.p99),
    f.min === null ? '—' : `${fmt(f.min)}–${fmt(f.max)}`,
    String(f.runs),
    f.floor ?? '',
    f.ratio === null ? '' : `${f.ratio.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w, i) => (i >= 2 && i <= 5 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`];
  out.push(...rows.map(line));
  const noted = figures.filter((f) => notes[f.name]);
  if (noted.length > 0) {
    out.push('');
    for (const f of noted) out.push(`- ${f.name}: ${notes[f.name]}`);
  }
  return out.join('\n');
}

/** Writes the JSON next to its final name first, so a reader never sees half a file. */
export function writeResults(file: string, results: Results): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(tmp, file);
}
