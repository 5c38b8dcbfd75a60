// The layering of src/ (which folder may import which, entry through index.js, no cycles),
// checked with dependency-cruiser against .dependency-cruiser.cjs on the compiled code.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/lamina.js';

test('src/ keeps its layering', () => {
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');
  const r = spawnSync(bin, ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'dist/src'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
