// One invocation's ways to finish (a returned promise, `callback(err, result)`,
// `context.succeed/fail/done`, or an event loop that ran dry) reduced to one post.
import { logError } from './console-patch.mjs';
import { NodeJsExit, toErrorResponse } from './errors.mjs';

/**
 * scope: one per invocation. The rules, as AWS's Node runtime has them:
 *  1. Only the first of callback/succeed/fail/done/promise settlement counts.
 *  2. An error (any non-null first argument) is posted at once.
 *  3. callback(null, result) posts when the event loop is otherwise empty, unless
 *     context.callbackWaitsForEmptyEventLoop was set to false; succeed/done post at once.
 *  4. If the loop empties before anything settled, a sync handler's result is `null`,
 *     an async handler's is a Runtime.NodeJsExit error.
 *  5. A result is serialized when posted; one that cannot be is an error.
 */
export class Invocation {
  #client;
  #id;
  #whenLoopEmpty; // (fn | null) => void: what the runtime runs on 'beforeExit'
  #onPosted; // () => void: go back to /next
  #settled = false;
  #resultPosted = false;
  #waitForEmptyLoop = true;

  constructor({ client, id, handlerIsAsync, whenLoopEmpty, onPosted }) {
    this.#client = client;
    this.#id = id;
    this.#whenLoopEmpty = whenLoopEmpty;
    this.#onPosted = onPosted;
    whenLoopEmpty(() => this.#loopEmptiedFirst(handlerIsAsync));
  }

  /** The handler's third argument. */
  callback = this.#firstCallOnly((err, result) => {
    this.#whenLoopEmpty(null);
    if (err !== undefined && err !== null) this.#postError(err);
    else if (!this.#waitForEmptyLoop) this.#postResult(result);
    else this.#whenLoopEmpty(() => setImmediate(() => this.#postResult(result)));
  });

  #done = this.#firstCallOnly((err, result) => {
    this.#whenLoopEmpty(null);
    if (err !== undefined && err !== null) this.#postError(err);
    else this.#postResult(result);
  });

  /** The part of `context` that belongs to the invocation rather than to the headers. */
  contextControls() {
    const invocation = this;
    return {
      get callbackWaitsForEmptyEventLoop() {
        return invocation.#waitForEmptyLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        invocation.#waitForEmptyLoop = value;
      },
      succeed: (result) => this.#done(null, result),
      fail: (err) => (err === undefined || err === null ? this.#done('handled') : this.#done(err, null)),
      done: (err, result) => this.#done(err, result),
    };
  }

  // The flag is set after the call, so a call that threw (an unserializable result) can be
  // followed by one reporting that error.
  #firstCallOnly(fn) {
    return (...args) => {
      if (this.#settled) return;
      fn(...args);
      this.#settled = true;
    };
  }

  /** @throws synchronously, into whoever settled, when the result is not serializable */
  #postResult(result) {
    if (this.#resultPosted) {
      console.error(`Invocation ${this.#id} already has a result; this one is dropped.`);
      return;
    }
    this.#resultPosted = true;
    let json;
    try {
      json = JSON.stringify(result === undefined ? null : result);
    } catch {
      json = undefined;
    }
    if (json === undefined) throw new Error('Unable to stringify response body'); // cycles, BigInt, a bare function
    this.#send(this.#client.postResponse(this.#id, json), 'response');
  }

  #postError(err) {
    logError('Invoke Error', err);
    this.#send(this.#client.postError(this.#id, toErrorResponse(err)), 'error');
  }

  #loopEmptiedFirst(handlerIsAsync) {
    this.#resultPosted = true;
    if (handlerIsAsync) {
      const error = new NodeJsExit();
      logError('Invoke Error', error);
      this.#send(this.#client.postError(this.#id, toErrorResponse(error)), 'error');
    } else {
      this.#send(this.#client.postResponse(this.#id, 'null'), 'response');
    }
  }

  // A refused post (413 too large, 400 stale id…) is the platform's to report; carry on.
  #send(posting, what) {
    posting.then(
      (status) => {
        if (status >= 300) process.stderr.write(`Lamina runtime: posting the ${what} of ${this.#id} got HTTP ${status}\n`);
        this.#onPosted();
      },
      (err) => {
        process.stderr.write(`Lamina runtime: posting the ${what} of ${this.#id} failed: ${err}\n`);
        this.#onPosted();
      },
    );
  }
}
