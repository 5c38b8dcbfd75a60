// Routes of resource-based policies: AddPermission, GetPolicy, RemovePermission. Statements
// and policies travel as JSON strings inside the JSON body, as on AWS.

import * as control from '../control/index.js';
import type { ControlDeps } from '../control/index.js';
import { jsonBody, noContent, ok, type Route } from './http.js';
import { Members, Violations } from './input.js';
import { parseTarget } from './names.js';

const STATEMENT_ID_PATTERN = '([a-zA-Z0-9-_]+)';
const NAMESPACED_STATEMENT_ID_PATTERN = '([a-zA-Z0-9-_.]+)';
const ACTION_PATTERN = '(lambda:[*]|lambda:[a-zA-Z]+|[*])';
const PRINCIPAL_PATTERN = '[^\\s]+';
const SOURCE_ARN_PATTERN = 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const SOURCE_ACCOUNT_PATTERN = '\\d{12}';
const EVENT_SOURCE_TOKEN_PATTERN = '[a-zA-Z0-9._\\-]+';
const PRINCIPAL_ORG_ID_PATTERN = 'o-[a-z0-9]{10,32}';

export function policyRoutes(deps: ControlDeps): Route[] {
  const ctx = deps.account;
  return [
    {
      method: 'POST',
      path: '/2015-03-31/functions/:FunctionName/policy',
      operation: 'AddPermission',
      async handle(req) {
        const body = new Members(jsonBody(req));
        const v = new Violations();
        const statementId = body.str('StatementId');
        const action = body.str('Action');
        const principal = body.str('Principal');
        const sourceArn = body.str('SourceArn');
        const sourceAccount = body.str('SourceAccount');
        const eventSourceToken = body.str('EventSourceToken');
        const principalOrgId = body.str('PrincipalOrgID');
        const functionUrlAuthType = body.str('FunctionUrlAuthType');
        const invokedViaFunctionUrl = body.bool('InvokedViaFunctionUrl');
        const revisionId = body.str('RevisionId');
        if (v.required('statementId', statementId)) {
          v.length('statementId', statementId, 1, 100).pattern('statementId', statementId, STATEMENT_ID_PATTERN);
        }
        if (v.required('action', action)) v.pattern('action', action, ACTION_PATTERN);
        if (v.required('principal', principal)) v.pattern('principal', principal, PRINCIPAL_PATTERN);
        v.pattern('sourceArn', sourceArn, SOURCE_ARN_PATTERN);
        v.length('sourceAccount', sourceAccount, 0, 12).pattern('sourceAccount', sourceAccount, SOURCE_ACCOUNT_PATTERN);
        v.length('eventSourceToken', eventSourceToken, 0, 256);
        v.pattern('eventSourceToken', eventSourceToken, EVENT_SOURCE_TOKEN_PATTERN);
        v.length('principalOrgID', principalOrgId, 12, 34).pattern('principalOrgID', principalOrgId, PRINCIPAL_ORG_ID_PATTERN);
        v.oneOf('functionUrlAuthType', functionUrlAuthType, ['NONE', 'AWS_IAM']);
        v.check();
        const target = parseTarget(ctx, req.params.FunctionName, req.query.get('Qualifier'), 'read');
        const statement = await control.addPermission(deps, target.name, target.qualifier, {
          statementId: statementId!,
          action: action!,
          principal: principal!,
          ...(sourceArn !== undefined && { sourceArn }),
          ...(sourceAccount !== undefined && { sourceAccount }),
          ...(eventSourceToken !== undefined && { eventSourceToken }),
          ...(principalOrgId !== undefined && { principalOrgId }),
          ...(functionUrlAuthType !== undefined && { functionUrlAuthType }),
          ...(invokedViaFunctionUrl !== undefined && { invokedViaFunctionUrl }),
          ...(revisionId !== undefined && { revisionId }),
        });
        return ok({ Statement: JSON.stringify(statement) }, 201);
      },
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions/:FunctionName/policy',
      operation: 'GetPolicy',
      async handle(req) {
        const target = parseTarget(ctx, req.params.FunctionName, req.query.get('Qualifier'), 'read');
        const policy = await control.getPolicy(deps, target.name, target.qualifier);
        return ok({ Policy: JSON.stringify(control.policyDocument(policy)), RevisionId: policy.revisionId });
      },
    },
    {
      method: 'DELETE',
      path: '/2015-03-31/functions/:FunctionName/policy/:StatementId',
      operation: 'RemovePermission',
      async handle(req) {
        const statementId = req.params.StatementId;
        const v = new Violations();
        if (v.required('statementId', statementId)) {
          v.length('statementId', statementId, 1, 100).pattern('statementId', statementId, NAMESPACED_STATEMENT_ID_PATTERN);
        }
        v.check();
        const target = parseTarget(ctx, req.params.FunctionName, req.query.get('Qualifier'), 'read');
        const revisionId = req.query.get('RevisionId') ?? undefined;
        await control.removePermission(deps, target.name, target.qualifier, statementId!, revisionId);
        return noContent();
      },
    },
  ];
}
