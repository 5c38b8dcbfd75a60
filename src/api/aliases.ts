// Routes of the alias resource: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

import * as control from '../control/index.js';
import type { ControlDeps, VersionWeights } from '../control/index.js';
import { type AccountContext, type AliasRecord, functionArn } from '../model/index.js';
import { intParam } from './functions.js';
import { type ApiRequest, jsonBody, noContent, ok, type Route } from './http.js';
import { Members, Violations } from './input.js';
import { parseTarget, requireUnqualified } from './names.js';

const ALIAS_PATTERN = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
const VERSION_PATTERN = '(\\$LATEST(\\.PUBLISHED)?|[0-9]+)';
const WEIGHTS_FIELD = 'routingConfig.additionalVersionWeights';
const WEIGHT_KEY_RULE =
  'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, ' +
  'Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]';
const WEIGHT_VALUE_RULE =
  'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, ' +
  'Member must have value greater than or equal to 0.0, Member must not be null]';

export function aliasRoutes(deps: ControlDeps): Route[] {
  const ctx = deps.account;
  const functionName = (req: ApiRequest): string =>
    requireUnqualified(parseTarget(ctx, req.params.FunctionName, undefined, 'read'));
  const aliasName = (req: ApiRequest, v: Violations): string => {
    const name = req.params.Name;
    if (v.required('name', name)) v.length('name', name, 1, 128).pattern('name', name, ALIAS_PATTERN);
    return name!;
  };

  return [
    {
      method: 'POST',
      path: '/2015-03-31/functions/:FunctionName/aliases',
      operation: 'CreateAlias',
      async handle(req) {
        const body = new Members(jsonBody(req));
        const v = new Violations();
        const name = body.str('Name');
        const functionVersion = body.str('FunctionVersion');
        const description = body.str('Description');
        if (v.required('name', name)) v.length('name', name, 1, 128).pattern('name', name, ALIAS_PATTERN);
        if (v.required('functionVersion', functionVersion)) checkVersion(v, functionVersion);
        v.length('description', description, 0, 256);
        const weights = readWeights(body, v);
        v.check();
        const fn = functionName(req);
        const alias = await control.createAlias(deps, fn, {
          name: name!,
          functionVersion: functionVersion!,
          ...(description !== undefined && { description }),
          ...(weights !== undefined && { weights }),
        });
        return ok(renderAlias(ctx, alias), 201);
      },
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions/:FunctionName/aliases',
      operation: 'ListAliases',
      async handle(req) {
        const v = new Violations();
        const functionVersion = req.query.get('FunctionVersion') ?? undefined;
        const maxItems = intParam(req, 'MaxItems');
        if (functionVersion !== undefined) checkVersion(v, functionVersion);
        v.range('maxItems', maxItems, 1, 10000);
        v.check();
        const fn = functionName(req);
        const marker = req.query.get('Marker') ?? undefined;
        const page = await control.listAliases(deps, fn, {
          ...(functionVersion !== undefined && { functionVersion }),
          ...(marker !== undefined && { marker }),
          ...(maxItems !== undefined && { maxItems }),
        });
        return ok({
          Aliases: page.items.map((alias) => renderAlias(ctx, alias)),
          ...(page.nextMarker !== undefined && { NextMarker: page.nextMarker }),
        });
      },
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions/:FunctionName/aliases/:Name',
      operation: 'GetAlias',
      async handle(req) {
        const v = new Violations();
        const name = aliasName(req, v);
        v.check();
        const alias = await control.getAlias(deps, functionName(req), name);
        return ok(renderAlias(ctx, alias));
      },
    },
    {
      method: 'PUT',
      path: '/2015-03-31/functions/:FunctionName/aliases/:Name',
      operation: 'UpdateAlias',
      async handle(req) {
        const body = new Members(jsonBody(req));
        const v = new Violations();
        const name = aliasName(req, v);
        const functionVersion = body.str('FunctionVersion');
        const description = body.str('Description');
        const revisionId = body.str('RevisionId');
        if (functionVersion !== undefined) checkVersion(v, functionVersion);
        v.length('description', description, 0, 256);
        const weights = readWeights(body, v);
        v.check();
        const alias = await control.updateAlias(deps, functionName(req), name, {
          ...(functionVersion !== undefined && { functionVersion }),
          ...(description !== undefined && { description }),
          ...(weights !== undefined && { weights }),
          ...(revisionId !== undefined && { revisionId }),
        });
        return ok(renderAlias(ctx, alias));
      },
    },
    {
      method: 'DELETE',
      path: '/2015-03-31/functions/:FunctionName/aliases/:Name',
      operation: 'DeleteAlias',
      async handle(req) {
        const v = new Violations();
        const name = aliasName(req, v);
        v.check();
        await control.deleteAlias(deps, functionName(req), name);
        return noContent();
      },
    },
  ];
}

export function renderAlias(ctx: AccountContext, alias: AliasRecord): Record<string, unknown> {
  const weights = alias.additionalVersionWeights;
  return {
    AliasArn: functionArn(ctx, alias.functionName, alias.name),
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    ...(weights && Object.keys(weights).length > 0 && { RoutingConfig: { AdditionalVersionWeights: weights } }),
    RevisionId: alias.revisionId,
  };
}

function checkVersion(v: Violations, version: string | undefined): void {
  v.length('functionVersion', version, 1, 1024).pattern('functionVersion', version, VERSION_PATTERN);
}

/**
 * RoutingConfig.AdditionalVersionWeights. A RoutingConfig without weights (or with an empty
 * map) is an empty map: on update it removes the routing. Undefined when RoutingConfig is absent.
 */
function readWeights(body: Members, v: Violations): VersionWeights | undefined {
  const routing = body.struct('RoutingConfig');
  if (!routing) return undefined;
  const weights = routing.numberMap('AdditionalVersionWeights') ?? {};
  const entries = Object.entries(weights);
  const rendered = `{${entries.map(([k, w]) => `${k}=${javaDouble(w)}`).join(', ')}}`;
  if (entries.some(([k]) => !/^[0-9]+$/.test(k) || k.length > 1024)) v.add(WEIGHTS_FIELD, rendered, WEIGHT_KEY_RULE);
  if (entries.some(([, w]) => w < 0 || w > 1)) v.add(WEIGHTS_FIELD, rendered, WEIGHT_VALUE_RULE);
  return weights;
}

/** A double as Java prints it in AWS's validation messages (`2.0`, `0.5`). */
function javaDouble(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
