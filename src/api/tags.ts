// Routes of tags: TagResource, UntagResource, ListTags. The resource is a full ARN in the
// path (clients percent-encode it); tag keys to remove come as repeated `tagKeys` parameters.

import * as control from '../control/index.js';
import type { ControlDeps, TaggableResource } from '../control/index.js';
import { type AccountContext, ApiError } from '../model/index.js';
import { type ApiRequest, jsonBody, noContent, ok, type Route } from './http.js';
import { Members, Violations } from './input.js';

// The pattern Lambda reports for the `resource` member (wider than the published model's).
const RESOURCE_PATTERN =
  'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';
const RESOURCE_PARTS =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):(function|layer|code-signing-config|event-source-mapping|capacity-provider):([^:]+)(?::(.+))?$/;

export function tagRoutes(deps: ControlDeps): Route[] {
  const ctx = deps.account;
  return [
    {
      method: 'POST',
      path: '/2017-03-31/tags/:Resource',
      operation: 'TagResource',
      async handle(req) {
        const body = new Members(jsonBody(req));
        const v = new Violations();
        const tags = body.stringMap('Tags');
        checkResource(v, req.params.Resource);
        v.required('tags', tags);
        v.check();
        await control.tagResource(deps, parseResource(ctx, req.params.Resource!), tags!);
        return noContent();
      },
    },
    {
      method: 'DELETE',
      path: '/2017-03-31/tags/:Resource',
      operation: 'UntagResource',
      async handle(req) {
        const v = new Violations();
        const keys = req.query.getAll('tagKeys');
        checkResource(v, req.params.Resource);
        // An empty list is not sent at all, so AWS sees (and reports) a null member.
        if (keys.length === 0) v.required('tagKeys', undefined);
        v.check();
        await control.untagResource(deps, parseResource(ctx, req.params.Resource!), keys);
        return noContent();
      },
    },
    {
      method: 'GET',
      path: '/2017-03-31/tags/:Resource',
      operation: 'ListTags',
      async handle(req: ApiRequest) {
        const v = new Violations();
        checkResource(v, req.params.Resource);
        v.check();
        const tags = await control.listTags(deps, parseResource(ctx, req.params.Resource!));
        return ok({ Tags: tags });
      },
    },
  ];
}

function checkResource(v: Violations, resource: string | undefined): void {
  if (v.required('resource', resource)) {
    v.length('resource', resource, 1, 256).pattern('resource', resource, RESOURCE_PATTERN);
  }
}

/** A resource ARN that passed the pattern, taken apart; other regions and accounts refused. */
function parseResource(ctx: AccountContext, arn: string): TaggableResource {
  const m = RESOURCE_PARTS.exec(arn);
  if (!m) throw new ApiError('ValidationException', `Invalid resource ARN: ${arn}`);
  const [, region, accountId, type, name, qualifier] = m;
  if (region !== ctx.region) {
    throw new ApiError('ResourceNotFoundException', `Functions from '${region}' are not reachable in this region ('${ctx.region}')`);
  }
  if (accountId !== ctx.accountId) {
    throw new ApiError('AccessDeniedException', `User is not authorized to access resource ${arn}`);
  }
  if (type !== 'function') return { type: type as Exclude<TaggableResource['type'], 'function'>, arn };
  return { type: 'function', name: name!, ...(qualifier !== undefined && { qualifier }) };
}
