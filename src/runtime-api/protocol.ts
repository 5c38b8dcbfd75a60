// The Lambda Runtime API (2018-06-01) state machine of one runtime, as the emulator and AWS
// enforce it. Which call is legal depends on where the runtime is:
//
//   Init ──next──▶ Ready ──(invocation handed out)──▶ Invoking ──response|error──▶ Responded
//    │                ▲                                                              │
//    │                └──────────────────────────────next────────────────────────────┘
//    └──init/error──▶ InitError   (terminal: the runtime must exit)
//
// A result for an unknown or stale request id is InvalidRequestID (400); a call the state
// does not allow is InvalidStateTransition (403).

export type RuntimeState = 'Init' | 'Ready' | 'Invoking' | 'Responded' | 'InitError';

export type RuntimeCall = 'next' | 'response' | 'error' | 'init-error';

const NEXT_STATE: Record<RuntimeState, Partial<Record<RuntimeCall, RuntimeState>>> = {
  Init: { next: 'Ready', 'init-error': 'InitError' },
  Ready: {},
  Invoking: { response: 'Responded', error: 'Responded' },
  Responded: { next: 'Ready' },
  InitError: {},
};

/** The state after `call`, or undefined when the call is not allowed now. */
export function transition(from: RuntimeState, call: RuntimeCall): RuntimeState | undefined {
  return NEXT_STATE[from][call];
}

/** The wire name AWS uses for the target state of a refused transition. */
export const CALL_TARGET: Record<RuntimeCall, string> = {
  next: 'Ready',
  response: 'InvocationResponse',
  error: 'InvocationErrorResponse',
  'init-error': 'InitError',
};

/** Largest buffered response a runtime may post (AWS: 6 MB + 100 bytes). */
export const MAX_RESPONSE_BYTES = 6_291_556;

/** Largest error body accepted; AWS caps it far lower than a response, we stay generous. */
export const MAX_ERROR_BYTES = 1_048_576;

/** `Lambda-Runtime-Function-Error-Type` values are kept when they look like `Category.Reason`. */
export function normalizeErrorType(raw: string | undefined): string {
  if (raw && /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/.test(raw)) return raw;
  return raw?.startsWith('Function.') ? 'Function.Unknown' : 'Runtime.Unknown';
}
