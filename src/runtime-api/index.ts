// The Lambda Runtime API (2018-06-01): one endpoint per execution environment.

export { type EndpointOptions, type Invocation, RuntimeEndpoint, type RuntimeEvent } from './endpoint.js';
export { MAX_RESPONSE_BYTES, type RuntimeState } from './protocol.js';
