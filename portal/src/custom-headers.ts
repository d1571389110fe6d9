// An endpoint's custom headers as the portal edits them: the stored ones (values masked by the API),
// some marked for removal, and at most one new header, sent as the API's JSON merge patch (a value
// sets that header, null removes it, names not given stay). The API checks names and values in full
// (reserved names, sizes); this catches a half-filled row or a name that is no HTTP token.

/** The API's limit after the merge. */
export const MAX_CUSTOM_HEADERS = 10;

/** RFC 9110 token characters, as the API requires. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface HeaderChanges {
  /** Names of stored headers marked for removal. */
  readonly removed: readonly string[];
  /** The add row, as typed. */
  readonly name: string;
  readonly value: string;
}

export type HeadersPatch = Readonly<Record<string, string | null>>;

export type HeadersPatchResult =
  | { readonly patch: HeadersPatch; readonly error?: undefined; readonly field?: undefined }
  /** `field`: which input of the add row the problem is in, if one is. */
  | { readonly patch?: undefined; readonly error: string; readonly field?: 'name' | 'value' };

/** The merge patch for `changes` to `stored` (names, as the API shows them); empty when nothing changes. */
export function headersPatch(stored: readonly string[], changes: HeaderChanges): HeadersPatchResult {
  const name = changes.name.trim();
  const value = changes.value.trim();
  if (name === '' && value !== '') return { error: "Enter the header's name.", field: 'name' };
  if (name !== '' && !HEADER_NAME.test(name)) {
    return { error: "A header name may hold only letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons).", field: 'name' };
  }
  if (name !== '' && value === '') return { error: "Enter the header's value.", field: 'value' };

  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const patch: Record<string, string | null> = {};
  // A name added again is replaced, not removed: its new value wins.
  for (const removed of changes.removed) if (name === '' || !same(removed, name)) patch[removed] = null;
  if (name !== '') patch[name] = value;

  const kept = stored.filter((existing) => !changes.removed.some((removed) => same(removed, existing)));
  const count = kept.length + (name !== '' && !kept.some((existing) => same(existing, name)) ? 1 : 0);
  if (count > MAX_CUSTOM_HEADERS) return { error: `At most ${MAX_CUSTOM_HEADERS} custom headers: remove one first.`, field: 'name' };
  return { patch };
}
