// What list and read operations hand back to api/: versions as shown, and pages of lists.

import { invalidParameter, type VersionRecord } from '../model/index.js';

/** A version as an operation returns it, with the qualifier its ARN should carry. */
export interface FunctionView {
  readonly version: VersionRecord;
  /** Qualifier appended to FunctionArn (undefined: the unqualified ARN). */
  readonly arnQualifier?: string;
  /**
   * Creating/updating: AWS's response to the write shows the in-flight state. Publishing: a
   * version published by UpdateFunctionCode, shown Pending under its own RevisionId.
   */
  readonly phase: 'creating' | 'updating' | 'publishing' | 'settled';
}

/** AWS caps list pages at 50 items (ListFunctions, ListVersionsByFunction, ListAliases). */
const LIST_PAGE_CAP = 50;

/** Cuts a sorted list into pages; the marker is the opaque key of the last item returned. */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  marker: string | undefined,
  maxItems: number | undefined,
): { items: T[]; nextMarker?: string } {
  let start = 0;
  if (marker !== undefined) {
    let after: string;
    try {
      after = Buffer.from(marker, 'base64url').toString('utf8');
    } catch {
      throw invalidParameter('Invalid marker');
    }
    const i = items.findIndex((item) => keyOf(item) === after);
    if (i < 0) throw invalidParameter('Invalid marker');
    start = i + 1;
  }
  const size = Math.min(maxItems ?? LIST_PAGE_CAP, LIST_PAGE_CAP);
  const page = items.slice(start, start + size);
  const more = start + size < items.length;
  return {
    items: page,
    ...(more && page.length > 0 && { nextMarker: Buffer.from(keyOf(page[page.length - 1]!)).toString('base64url') }),
  };
}
