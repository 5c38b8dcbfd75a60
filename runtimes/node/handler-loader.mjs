// Turns the `_HANDLER` string (`dir/module.export[.nested…]`) into the handler function,
// picking CommonJS or ES module loading per file the way AWS's Node runtime does.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HandlerNotFound, ImportModuleError, MalformedHandlerName, UserCodeSyntaxError } from './errors.mjs';

// Made on first use: an ES module handler never needs it. What it is given is absolute or
// searched from the task root, never relative to this file.
let requireFn;
const cjs = () => (requireFn ??= createRequire(import.meta.url));

/**
 * @param {string} taskRoot LAMBDA_TASK_ROOT (the cwd)
 * @param {string} handlerString e.g. `src/app.handlers.get`: module `src/app`, export `handlers.get`
 * @throws Runtime.MalformedHandlerName | ImportModuleError | UserCodeSyntaxError | HandlerNotFound,
 *   or whatever the module itself throws while it initializes
 */
export async function loadHandler(taskRoot, handlerString) {
  if (handlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  // Directories may contain dots; in the last path segment the first dot ends the module name.
  const base = path.basename(handlerString);
  const moduleDir = handlerString.slice(0, handlerString.lastIndexOf(base));
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, exportPath] = match;

  const exports = await loadModule(taskRoot, moduleDir, moduleName);
  const handler = exportPath.split('.').reduce((object, key) => object && object[key], exports);
  if (!handler) throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${handlerString} is not a function`);
  return handler;
}

async function loadModule(taskRoot, moduleDir, moduleName) {
  try {
    return await load(taskRoot, moduleDir, moduleName);
  } catch (err) {
    if (err instanceof SyntaxError) throw new UserCodeSyntaxError(err);
    // CommonJS only: a missing ES import (ERR_MODULE_NOT_FOUND) is reported as is, like AWS does.
    if (err?.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(err);
    throw err;
  }
}

/**
 * Resolution order for `<root>/<dir>/<name>`:
 *   1. `<name>` with no extension (file or directory), required
 *   2. `<name>.js` required, unless the nearest package.json says "type": "module"
 *   3. `<name>.js` imported (that case), then `<name>.mjs` imported, then `<name>.cjs` required
 *   4. `<name>` as a package name, searched from the task root (node_modules, NODE_PATH)
 */
async function load(taskRoot, moduleDir, moduleName) {
  const file = path.resolve(taskRoot, moduleDir, moduleName);
  if (existsSync(file)) return cjs()(file);
  if (existsSync(file + '.js')) {
    return isInModulePackage(path.dirname(file)) ? import(pathToFileURL(file + '.js').href) : cjs()(file + '.js');
  }
  if (existsSync(file + '.mjs')) return import(pathToFileURL(file + '.mjs').href);
  if (existsSync(file + '.cjs')) return cjs()(file + '.cjs');
  return cjs()(cjs().resolve(moduleName, { paths: [taskRoot, moduleDir] }));
}

/** The nearest package.json decides; a node_modules folder or the root ends the search. */
function isInModulePackage(dir) {
  for (;;) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8'))?.type === 'module';
      } catch (err) {
        console.warn(`${manifest} is not valid JSON; .js files are loaded as CommonJS.`, err);
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}
