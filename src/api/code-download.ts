// GetFunction's Code.Location: a presigned link (valid 10 minutes, as AWS's) from which the
// function's zip downloads, served on Lamina's own port.

import type { Store } from '../store/index.js';
import { ApiError } from '../model/index.js';
import type { ApiRequest, Route } from './http.js';

export const CODE_PATH = '/_lamina/code';
export const CODE_LINK_TTL_SECONDS = 600;

export function codeDownloadRoutes(store: Store): Route[] {
  return [
    {
      method: 'GET',
      path: `${CODE_PATH}/:hex`,
      operation: 'GetFunctionCode',
      async handle(req: ApiRequest) {
        const hex = req.params.hex ?? '';
        const zip = /^[0-9a-f]{64}$/.test(hex) ? await store.code.read(Buffer.from(hex, 'hex').toString('base64')) : undefined;
        if (!zip) throw new ApiError('ResourceNotFoundException', 'The resource you requested does not exist.');
        return { status: 200, headers: { 'Content-Type': 'application/zip' }, body: zip };
      },
    },
  ];
}
