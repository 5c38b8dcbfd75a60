// Tags on taggable resources. Today only functions carry tags (stored on the function
// record); versions and aliases never do, and other resource types are not found until
// Lamina has them.

import { type FunctionRecord, functionArn, functionNotFound, invalidParameter, notFound } from '../model/index.js';
import type { ControlDeps } from './deps.js';

/** A taggable resource, as its ARN names it. */
export type TaggableResource =
  | { readonly type: 'function'; readonly name: string; readonly qualifier?: string }
  | {
      readonly type: 'event-source-mapping' | 'capacity-provider' | 'layer' | 'code-signing-config';
      readonly arn: string;
    };

export const TAG_LIMIT = 50;

export async function tagResource(
  deps: ControlDeps,
  resource: TaggableResource,
  tags: Readonly<Record<string, string>>,
): Promise<void> {
  const name = functionOf(resource);
  if (Object.keys(tags).length === 0) throw invalidParameter('An error occurred and the request cannot be processed.');
  await changeTags(deps, name, (fn) => {
    const merged = { ...fn.tags, ...tags };
    if (Object.keys(merged).length > TAG_LIMIT) throw invalidParameter('Number of tags exceeds resource tag limit.');
    return merged;
  });
}

/** Removing a key the resource does not have is no error. */
export async function untagResource(deps: ControlDeps, resource: TaggableResource, keys: readonly string[]): Promise<void> {
  const name = functionOf(resource);
  const drop = new Set(keys);
  await changeTags(deps, name, (fn) => Object.fromEntries(Object.entries(fn.tags).filter(([k]) => !drop.has(k))));
}

export async function listTags(deps: ControlDeps, resource: TaggableResource): Promise<Readonly<Record<string, string>>> {
  const name = functionOf(resource);
  const fn = await deps.store.functions.get(name);
  if (!fn) throw functionNotFound(functionArn(deps.account, name));
  return fn.tags;
}

/** The function a tag operation acts on; anything else is refused the way Lambda refuses it. */
function functionOf(resource: TaggableResource): string {
  switch (resource.type) {
    case 'function':
      if (resource.qualifier !== undefined) {
        throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
      }
      return resource.name;
    case 'event-source-mapping':
      throw notFound(`Event source mapping not found: ${resource.arn}`);
    case 'capacity-provider':
      throw notFound(`Capacity provider not found: ${resource.arn}`);
    case 'layer':
    case 'code-signing-config':
      throw notFound('The resource you requested does not exist.');
  }
}

async function changeTags(
  deps: ControlDeps,
  name: string,
  change: (fn: FunctionRecord) => Record<string, string>,
): Promise<void> {
  const updated = await deps.store.functions.update(name, (fn) => ({ ...fn, tags: change(fn) }));
  if (!updated) throw functionNotFound(functionArn(deps.account, name));
}
