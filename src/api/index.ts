// Lamina's HTTP API: the AWS Lambda REST API (2015-03-31 paths, restJson1) with Signature V4
// authentication, and /health. Entered through createApi(), which returns the request
// listener for the server's one port.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControlDeps } from '../control/index.js';
import type { Invoker } from '../invoke/index.js';
import type { Logger } from '../config/index.js';
import { createVerifier, presignUrl } from '../sigv4/index.js';
import { authorize, type CredentialRegistry } from './credentials.js';
import { CODE_LINK_TTL_SECONDS, CODE_PATH } from './code-download.js';
import { createFrontDoor } from './server.js';
import { allRoutes } from './router.js';

export { CredentialRegistry, type RoleCredentials } from './credentials.js';

export interface ApiDeps extends ControlDeps {
  /** Lamina's root credentials. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Every key that may sign: the root credentials and the functions' role credentials. */
  readonly signers: CredentialRegistry;
  readonly logger: Logger;
  readonly health: () => unknown;
  readonly invoker: Invoker;
  /** See FrontDoorOptions.fromSandbox. */
  readonly fromSandbox?: (socket: import('node:net').Socket) => boolean;
}

/** The services whose signatures Lamina accepts on its port. */
const SIGNED_SERVICES = ['lambda', 'logs', 'sqs', 'events'] as const;

export function createApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { credentials, account, signers } = deps;
  const verify = createVerifier({
    region: account.region,
    services: SIGNED_SERVICES,
    secretFor: (id) => signers.secretFor(id),
  });
  const routes = allRoutes({
    ...deps,
    codeLocation(req, sha256) {
      const hex = Buffer.from(sha256, 'base64').toString('hex');
      const url = new URL(`http://${req.headers.host ?? '127.0.0.1'}${CODE_PATH}/${hex}`);
      return presignUrl(url, 'GET', credentials, { region: account.region, service: 'lambda' }, CODE_LINK_TTL_SECONDS).toString();
    },
  });
  return createFrontDoor({
    routes,
    authenticate: (req) => {
      const caller = verify(req);
      const principal = signers.principalOf(caller.accessKeyId);
      if (!principal) throw new Error('a verified key without a principal');
      if (principal.kind === 'root') return { root: true };
      authorize(
        {
          principal,
          sessionToken: sessionToken(req.headers, req.rawQuery),
          operation: req.operation,
          service: caller.service,
          functionName: req.params.FunctionName,
        },
        account,
      );
      return { root: false };
    },
    health: deps.health,
    logger: deps.logger,
    ...(deps.fromSandbox && { fromSandbox: deps.fromSandbox }),
  });
}

/** The session token of a request: its X-Amz-Security-Token header or presigned parameter. */
function sessionToken(headers: IncomingMessage['headersDistinct'], rawQuery: string): string | undefined {
  const header = headers['x-amz-security-token']?.[0];
  if (header !== undefined) return header;
  if (!rawQuery.includes('X-Amz-Security-Token=')) return undefined;
  return new URLSearchParams(rawQuery).get('X-Amz-Security-Token') ?? undefined;
}
