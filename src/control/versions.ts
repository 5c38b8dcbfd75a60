// Published versions: immutable snapshots of $LATEST's code and configuration.

import { createHash } from 'node:crypto';
import {
  awsTimestamp,
  functionArn,
  functionNotFound,
  invalidParameter,
  revisionMismatch,
  type VersionRecord,
} from '../model/index.js';
import type { ControlDeps } from './deps.js';
import { type FunctionView, paginate } from './view.js';
import { requireFunction } from './resolve.js';

export interface PublishInput {
  readonly description?: string;
  readonly revisionId?: string;
  readonly codeSha256?: string;
}

/**
 * Publishes $LATEST as a new version, or returns the newest published version unchanged when
 * $LATEST was not updated since it was published. Like AWS, any UpdateFunctionCode or
 * UpdateFunctionConfiguration counts as a change, even one that left everything as it was.
 */
export async function publishVersion(deps: ControlDeps, name: string, input: PublishInput): Promise<FunctionView> {
  let created = false;
  const record = await deps.store.versions.publish(name, ({ latest, newest }, next) => {
    if (input.revisionId !== undefined && input.revisionId !== latest.revisionId) {
      throw revisionMismatch('GetFunction/GetAlias');
    }
    if (input.codeSha256 !== undefined && input.codeSha256 !== latest.code.sha256) {
      throw invalidParameter(
        `CodeSHA256 (${input.codeSha256}) is different from current CodeSHA256 in $LATEST (${latest.code.sha256}). ` +
          'Please try again with the CodeSHA256 in $LATEST.',
      );
    }
    if (newest && newest.revisionId === publishedRevisionId(latest, newest.version)) return newest;
    created = true;
    return {
      ...latest,
      version: String(next),
      revisionId: publishedRevisionId(latest, String(next)),
      lastModified: awsTimestamp(),
      versionDescription: input.description ?? latest.config.description,
    };
  });
  if (!record) throw functionNotFound(functionArn(deps.account, name));
  if (created) deps.onChange({ kind: 'version-published', functionName: name, version: record.version });
  return { version: record, arnQualifier: record.version, phase: 'settled' };
}

/**
 * The RevisionId of `version` published from this state of $LATEST: derived from $LATEST's own
 * RevisionId (new on every update), so that a later publish can tell whether $LATEST changed since.
 */
export function publishedRevisionId(latest: VersionRecord, version: string): string {
  const h = createHash('sha256').update(`${latest.revisionId}/${version}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export async function listVersions(
  deps: ControlDeps,
  name: string,
  opts: { marker?: string; maxItems?: number },
): Promise<{ items: FunctionView[]; nextMarker?: string }> {
  await requireFunction(deps, name);
  const views = (await deps.store.versions.list(name)).map(
    (v): FunctionView => ({ version: v, arnQualifier: v.version, phase: 'settled' }),
  );
  return paginate(views, (v) => v.version.version, opts.marker, opts.maxItems);
}
