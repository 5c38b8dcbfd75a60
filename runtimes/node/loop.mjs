// The runtime after init: long-poll /next, run the handler, post its outcome, poll again
// at once. Also turns crashes (uncaught exceptions, unhandled rejections) into a report and an exit.
import { logError, setLogContext } from './console-patch.mjs';
import { createContext } from './context.mjs';
import { UnhandledPromiseRejection, toErrorResponse } from './errors.mjs';
import { Invocation } from './invocation.mjs';

// The exit codes AWS's Node runtime uses after reporting a crash.
const EXIT_AFTER_UNCAUGHT_EXCEPTION = 129;
const EXIT_AFTER_UNHANDLED_REJECTION = 128;

/**
 * scope: one per process.
 *  1. A crash before the first event is an init error; after it, it is reported as the error
 *     of the latest invocation (even one already answered; the API then refuses it).
 *  2. After a crash report the process exits: the platform replaces the environment.
 *  3. 'beforeExit' (the event loop is empty) runs whatever the current invocation left
 *     for that moment, once.
 */
export class Runtime {
  #client;
  #handler = null;
  #handlerIsAsync = false;
  #requestId; // latest invocation; undefined during init
  #whenLoopEmpty = null; // set by the current invocation, run once on 'beforeExit'
  #crashing = false;

  /** @param {import('./runtime-client.mjs').RuntimeClient} client */
  constructor(client) {
    this.#client = client;
    process.on('uncaughtException', (err) => this.#crash('Uncaught Exception', err, EXIT_AFTER_UNCAUGHT_EXCEPTION));
    process.on('unhandledRejection', (reason, promise) => {
      const error = new UnhandledPromiseRejection(reason, promise);
      this.#crash('Unhandled Promise Rejection', error, EXIT_AFTER_UNHANDLED_REJECTION);
    });
    process.on('beforeExit', () => {
      const run = this.#whenLoopEmpty;
      this.#whenLoopEmpty = null;
      run?.();
    });
  }

  /** Loading the handler failed: AWS reports this path as an uncaught exception, then exits. */
  failInit(error) {
    this.#crash('Uncaught Exception', error, EXIT_AFTER_UNCAUGHT_EXCEPTION);
  }

  start(handler) {
    this.#handler = handler;
    this.#handlerIsAsync = handler.constructor?.name === 'AsyncFunction';
    this.#next();
  }

  async #next() {
    let event;
    try {
      event = await this.#client.next();
    } catch (err) {
      this.#exitOnApiFailure(`waiting for the next invocation failed: ${err}`);
      return;
    }
    this.#invoke(event);
  }

  #invoke({ body, headers }) {
    const id = headers['lambda-runtime-aws-request-id'];
    if (!id) return this.#exitOnApiFailure('the next invocation has no Lambda-Runtime-Aws-Request-Id');
    this.#requestId = id;
    setLogContext(id, headers['lambda-runtime-aws-tenant-id']);
    const invocation = new Invocation({
      client: this.#client,
      id,
      handlerIsAsync: this.#handlerIsAsync,
      // A late call from an earlier invocation must not replace the current one's plan.
      whenLoopEmpty: (run) => {
        if (this.#requestId === id) this.#whenLoopEmpty = run;
      },
      onPosted: () => this.#next(),
    });
    const controls = invocation.contextControls();
    try {
      const result = this.#handler(JSON.parse(body), createContext(headers, controls), invocation.callback);
      if (typeof result?.then === 'function') result.then(controls.succeed, controls.fail).catch(controls.fail);
    } catch (err) {
      invocation.callback(err);
    }
  }

  #crash(label, error, exitCode) {
    // Only the first crash is reported. Later ones are dropped without logging: with a broken
    // stdout, logging is what fails (EPIPE), and logging it again would never end.
    if (this.#crashing) return;
    this.#crashing = true;
    try {
      logError(label, error);
    } catch {
      // the report below still goes out
    }
    const payload = toErrorResponse(error);
    // Own connection: the shared one may be parked in a /next long poll.
    const posting =
      this.#requestId === undefined
        ? this.#client.postInitError(payload, { ownConnection: true })
        : this.#client.postError(this.#requestId, payload, { ownConnection: true });
    const exit = () => process.exit(exitCode);
    posting.then(exit, exit);
  }

  #exitOnApiFailure(reason) {
    process.stderr.write(`Lamina runtime: ${reason}\n`);
    process.exit(1);
  }
}
