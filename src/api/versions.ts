// Routes of published versions: PublishVersion, ListVersionsByFunction.

import * as control from '../control/index.js';
import type { ControlDeps } from '../control/index.js';
import { intParam } from './functions.js';
import { jsonBody, ok, type Route } from './http.js';
import { Members, Violations } from './input.js';
import { parseTarget, requireUnqualified } from './names.js';
import { renderConfiguration } from './render.js';

export function versionRoutes(deps: ControlDeps): Route[] {
  const ctx = deps.account;
  return [
    {
      method: 'POST',
      path: '/2015-03-31/functions/:FunctionName/versions',
      operation: 'PublishVersion',
      async handle(req) {
        const name = requireUnqualified(parseTarget(ctx, req.params.FunctionName, undefined, 'read'));
        const body = new Members(jsonBody(req));
        const description = body.str('Description');
        new Violations().length('description', description, 0, 256).check();
        const revisionId = body.str('RevisionId');
        const codeSha256 = body.str('CodeSha256');
        const view = await control.publishVersion(deps, name, {
          ...(description !== undefined && { description }),
          ...(revisionId !== undefined && { revisionId }),
          ...(codeSha256 !== undefined && { codeSha256 }),
        });
        return ok(renderConfiguration(ctx, view), 201);
      },
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions/:FunctionName/versions',
      operation: 'ListVersionsByFunction',
      async handle(req) {
        const name = requireUnqualified(parseTarget(ctx, req.params.FunctionName, undefined, 'read'));
        const maxItems = intParam(req, 'MaxItems');
        new Violations().range('maxItems', maxItems, 1, 10000).check();
        const marker = req.query.get('Marker') ?? undefined;
        const page = await control.listVersions(deps, name, {
          ...(marker !== undefined && { marker }),
          ...(maxItems !== undefined && { maxItems }),
        });
        return ok({
          Versions: page.items.map((view) => renderConfiguration(ctx, view, true)),
          ...(page.nextMarker !== undefined && { NextMarker: page.nextMarker }),
        });
      },
    },
  ];
}
