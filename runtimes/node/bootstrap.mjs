// Lamina's Node.js runtime, started as `node <LAMBDA_RUNTIME_DIR>/node/bootstrap.mjs` with
// cwd = LAMBDA_TASK_ROOT: loads the `_HANDLER` function, then serves invocations until stopped.
import { awaitAssignment } from './cell.mjs';
import { patchConsole } from './console-patch.mjs';
import { loadHandler } from './handler-loader.mjs';
import { Runtime } from './loop.mjs';
import { RuntimeClient } from './runtime-client.mjs';

const client = new RuntimeClient(process.env.AWS_LAMBDA_RUNTIME_API ?? '');
await awaitAssignment(client);
patchConsole(process.env);
const runtime = new Runtime(client);

let handler;
try {
  // Top-level await in the function's ES module is part of init: import() waits for it.
  handler = await loadHandler(process.cwd(), process.env._HANDLER ?? '');
} catch (err) {
  runtime.failInit(err);
}
if (handler) runtime.start(handler);
