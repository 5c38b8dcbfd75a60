// Routes of the function resource: CreateFunction, GetFunction, GetFunctionConfiguration,
// ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction.

import * as control from '../control/index.js';
import type { ConfigInput, ControlDeps } from '../control/index.js';
import { ApiError, invalidParameter, roleArnIsValid } from '../model/index.js';
import { type ApiRequest, jsonBody, noContent, ok, type Route } from './http.js';
import { Members, Violations } from './input.js';
import { parseTarget, requireUnqualified } from './names.js';
import { renderConfiguration } from './render.js';

/** What the function routes need beyond the control plane. */
export interface FunctionRouteDeps extends ControlDeps {
  /** A presigned URL from which the zip of `sha256` can be downloaded (GetFunction's Code.Location). */
  readonly codeLocation: (req: ApiRequest, sha256: string) => string;
}

const ROLE_PATTERN = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const ARCHITECTURES = ['x86_64', 'arm64'] as const;
const APP_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'];
const TAG_LIMIT = 50;

/** CreateFunction accepts bodies up to this size (a 50 MB zip, base64-encoded, and the rest). */
const CREATE_BODY_LIMIT = 70_167_211;

export function functionRoutes(deps: FunctionRouteDeps): Route[] {
  const ctx = deps.account;
  const render = (view: control.FunctionView, list = false) => renderConfiguration(ctx, view, list);

  return [
    {
      method: 'POST',
      path: '/2015-03-31/functions',
      operation: 'CreateFunction',
      bodyLimit: CREATE_BODY_LIMIT,
      async handle(req) {
        const body = new Members(jsonBody(req));
        const v = new Violations();
        const rawName = body.str('FunctionName');
        const config = readConfig(body, v);
        const code = body.struct('Code');
        const tags = body.stringMap('Tags') ?? {};
        const packageType = body.str('PackageType');
        v.oneOf('packageType', packageType, ['Zip', 'Image']);
        v.required('code', code);
        v.check();
        const target = parseTarget(ctx, rawName, undefined, 'write');
        if (target.qualifier !== undefined) {
          throw invalidParameter('Qualifiers are not allowed in the function name of CreateFunction.');
        }
        if (packageType === 'Image' || code!.has('ImageUri')) {
          throw invalidParameter('Container image functions (PackageType Image) are not supported by Lamina.');
        }
        if (Object.keys(tags).length > TAG_LIMIT) throw invalidParameter('Number of tags exceeds resource tag limit.');
        const zip = readZip(code!);
        const view = await control.createFunction(deps, {
          name: target.name,
          config,
          zip,
          publish: body.bool('Publish') ?? false,
          tags,
        });
        return ok(render(view), 201);
      },
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions',
      operation: 'ListFunctions',
      async handle(req) {
        const v = new Violations();
        const functionVersion = req.query.get('FunctionVersion') ?? undefined;
        const maxItems = intParam(req, 'MaxItems');
        v.oneOf('functionVersion', functionVersion, ['ALL']).range('maxItems', maxItems, 1, 10000);
        v.check();
        const marker = req.query.get('Marker') ?? undefined;
        const page = await control.listFunctions(deps, {
          allVersions: functionVersion === 'ALL',
          ...(marker !== undefined && { marker }),
          ...(maxItems !== undefined && { maxItems }),
        });
        return ok({
          Functions: page.items.map((view) => render(view, true)),
          ...(page.nextMarker !== undefined && { NextMarker: page.nextMarker }),
        });
      },
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions/:FunctionName',
      operation: 'GetFunction',
      async handle(req) {
        const target = parseTarget(ctx, req.params.FunctionName, req.query.get('Qualifier'), 'read');
        const view = await control.getFunction(deps, target.name, target.qualifier);
        const fn = await control.requireFunction(deps, target.name);
        const hasTags = Object.keys(fn.tags).length > 0;
        return ok({
          Configuration: render(view),
          Code: { RepositoryType: 'S3', Location: deps.codeLocation(req, view.version.code.sha256) },
          ...(hasTags && target.qualifier === undefined && { Tags: fn.tags }),
          ...(fn.reservedConcurrency !== undefined && {
            Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency },
          }),
        });
      },
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions/:FunctionName/configuration',
      operation: 'GetFunctionConfiguration',
      async handle(req) {
        const target = parseTarget(ctx, req.params.FunctionName, req.query.get('Qualifier'), 'read');
        return ok(render(await control.getFunction(deps, target.name, target.qualifier)));
      },
    },
    {
      method: 'PUT',
      path: '/2015-03-31/functions/:FunctionName/code',
      operation: 'UpdateFunctionCode',
      bodyLimit: CREATE_BODY_LIMIT,
      async handle(req) {
        const name = requireUnqualified(parseTarget(ctx, req.params.FunctionName, undefined, 'read'));
        const body = new Members(jsonBody(req));
        const v = new Violations();
        const architectures = readArchitectures(body, v);
        v.check();
        if (body.has('ImageUri')) throw invalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.");
        const revisionId = body.str('RevisionId');
        const view = await control.updateFunctionCode(deps, name, {
          zip: readZip(body),
          publish: body.bool('Publish') ?? false,
          dryRun: body.bool('DryRun') ?? false,
          ...(revisionId !== undefined && { revisionId }),
          ...(architectures !== undefined && { architectures }),
        });
        return ok(render(view));
      },
    },
    {
      method: 'PUT',
      path: '/2015-03-31/functions/:FunctionName/configuration',
      operation: 'UpdateFunctionConfiguration',
      async handle(req) {
        const name = requireUnqualified(parseTarget(ctx, req.params.FunctionName, undefined, 'read'));
        const body = new Members(jsonBody(req));
        const v = new Violations();
        const config = readConfig(body, v);
        v.check();
        const view = await control.updateFunctionConfiguration(deps, name, config, body.str('RevisionId'));
        return ok(render(view));
      },
    },
    {
      method: 'DELETE',
      path: '/2015-03-31/functions/:FunctionName',
      operation: 'DeleteFunction',
      async handle(req) {
        const target = parseTarget(ctx, req.params.FunctionName, req.query.get('Qualifier'), 'read');
        await control.deleteFunction(deps, target.name, target.qualifier);
        return noContent();
      },
    },
  ];
}

/** An integer query parameter; a non-integer is a validation error of its own. */
export function intParam(req: ApiRequest, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value '${raw}' at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must be an integer`,
    );
  }
  return Number(raw);
}

function readZip(code: Members): Buffer {
  const zip = code.blob('ZipFile');
  if (zip !== undefined) return zip;
  if (code.has('S3Bucket') || code.has('S3Key')) {
    // There is no S3 here: answer as Lambda does for a bucket that does not exist.
    throw invalidParameter(
      'Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist',
    );
  }
  throw invalidParameter('Please provide a source for function code.');
}

function readArchitectures(body: Members, v: Violations): ConfigInput['architectures'] {
  const list = body.stringList('Architectures');
  if (list === undefined) return undefined;
  v.length('architectures', list, 1, 1);
  for (const a of list) {
    if (!(ARCHITECTURES as readonly string[]).includes(a)) {
      v.add(
        'architectures',
        list,
        `Member must satisfy constraint: [Member must satisfy enum value set: [${ARCHITECTURES.join(', ')}], Member must not be null]`,
      );
      break;
    }
  }
  return list as ConfigInput['architectures'];
}

/** The configuration members shared by CreateFunction and UpdateFunctionConfiguration. */
function readConfig(body: Members, v: Violations): ConfigInput {
  const role = body.str('Role');
  const handler = body.str('Handler');
  const description = body.str('Description');
  const timeout = body.int('Timeout');
  const memorySize = body.int('MemorySize');
  const ephemeral = body.struct('EphemeralStorage')?.int('Size');
  const environment = body.struct('Environment')?.stringMap('Variables');
  const tracingMode = body.struct('TracingConfig')?.str('Mode');
  const logging = body.struct('LoggingConfig');
  const deadLetter = body.struct('DeadLetterConfig')?.str('TargetArn');
  const layers = body.stringList('Layers');
  const architectures = readArchitectures(body, v);

  if (role !== undefined && !roleArnIsValid(role)) v.pattern('role', role, ROLE_PATTERN);
  v.length('handler', handler, 0, 128).pattern('handler', handler, '[^\\s]+');
  v.length('description', description, 0, 256);
  v.range('timeout', timeout, 1, 900);
  v.range('memorySize', memorySize, 128, 10240);
  v.range('ephemeralStorage.size', ephemeral, 512, 10240);
  v.oneOf('tracingConfig.mode', tracingMode, ['Active', 'PassThrough']);
  if (environment) {
    for (const key of Object.keys(environment)) {
      if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(key)) {
        v.add('environment.variables', undefined, 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]');
        break;
      }
    }
  }
  const logFormat = logging?.str('LogFormat');
  const appLevel = logging?.str('ApplicationLogLevel');
  const sysLevel = logging?.str('SystemLogLevel');
  const logGroup = logging?.str('LogGroup');
  v.oneOf('loggingConfig.logFormat', logFormat, ['JSON', 'Text']);
  v.oneOf('loggingConfig.applicationLogLevel', appLevel, APP_LOG_LEVELS);
  v.oneOf('loggingConfig.systemLogLevel', sysLevel, SYSTEM_LOG_LEVELS);
  v.length('loggingConfig.logGroup', logGroup, 1, 512).pattern('loggingConfig.logGroup', logGroup, '[\\.\\-_/#A-Za-z0-9]+');
  if (layers && layers.length > 0) {
    v.check();
    if (layers.length > 5) throw invalidParameter('Cannot reference more than 5 layers.');
    throw invalidParameter(`Layer version ${layers[0]} does not exist.`);
  }

  const runtime = body.str('Runtime');
  return {
    ...(runtime !== undefined && { runtime }),
    ...(handler !== undefined && { handler }),
    ...(role !== undefined && { role }),
    ...(description !== undefined && { description }),
    ...(timeout !== undefined && { timeout }),
    ...(memorySize !== undefined && { memorySize }),
    ...(ephemeral !== undefined && { ephemeralStorage: ephemeral }),
    ...(environment !== undefined && { environment }),
    ...(architectures !== undefined && { architectures }),
    ...(tracingMode !== undefined && { tracingMode: tracingMode as 'Active' | 'PassThrough' }),
    ...(deadLetter !== undefined && { deadLetterTargetArn: deadLetter }),
    ...(logging && {
      loggingConfig: {
        ...(logFormat !== undefined && { logFormat: logFormat as 'Text' | 'JSON' }),
        ...(appLevel !== undefined && { applicationLogLevel: appLevel }),
        ...(sysLevel !== undefined && { systemLogLevel: sysLevel }),
        ...(logGroup !== undefined && { logGroup }),
      },
    }),
  };
}
