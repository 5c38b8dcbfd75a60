// AWS Signature Version 4: the server verifies requests with createVerifier, Lamina's client and
// CLI sign them with signRequest / presignUrl. A leaf module: node builtins and model/ only.

export {
  type IncomingSignedRequest,
  type VerifiedCaller,
  type Verifier,
  type VerifierOptions,
  createVerifier,
} from './verify.js';
export { type Credentials, type SignableRequest, type SigningScope, presignUrl, signRequest } from './sign.js';
export { UNSIGNED_PAYLOAD } from './canonical.js';
