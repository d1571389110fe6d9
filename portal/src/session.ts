// The portal token: it arrives in the link's fragment (`/portal#token=grp_...`), which browsers
// never send to a server, so it stays out of access logs and Referer headers. The page takes it
// out of the address bar at once (nothing to copy, bookmark or leak from history) and keeps it in
// this tab's sessionStorage only, so a reload still works and closing the tab forgets it.

export const TOKEN_STORAGE_KEY = 'georedir-portal-token';
/** Tokens are base64url-ish strings with a prefix; anything else is not a link we made. */
const TOKEN_SHAPE = /^[A-Za-z0-9_.~-]{8,2048}$/;

export interface SessionEnvironment {
  readonly location: { readonly hash: string; readonly pathname: string; readonly search: string };
  readonly history: { replaceState(data: unknown, unused: string, url: string): void };
  /** undefined where storage is refused (some embedded frames): the token then lives in memory only. */
  readonly storage: TokenStorage | undefined;
}

export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type SessionStart =
  | { readonly kind: 'token'; readonly token: string }
  /** No token in the link nor in this tab, or one that cannot be ours. */
  | { readonly kind: 'missing' };

/** Reads the token from the fragment (and then removes it from the address bar) or from this tab's storage. */
export function startSession(env: SessionEnvironment): SessionStart {
  const fragment = env.location.hash.replace(/^#/, '');
  const params = fragment.startsWith('/') ? undefined : new URLSearchParams(fragment);
  const fromLink = params?.get('token') ?? undefined;
  if (fromLink !== undefined) {
    // Replace, not push: the entry with the token must not stay in the tab's history.
    env.history.replaceState(null, '', `${env.location.pathname}${env.location.search}`);
    if (!TOKEN_SHAPE.test(fromLink)) {
      safely(() => env.storage?.removeItem(TOKEN_STORAGE_KEY));
      return { kind: 'missing' };
    }
    safely(() => env.storage?.setItem(TOKEN_STORAGE_KEY, fromLink));
    return { kind: 'token', token: fromLink };
  }
  const stored = safely(() => env.storage?.getItem(TOKEN_STORAGE_KEY)) ?? undefined;
  if (stored && TOKEN_SHAPE.test(stored)) return { kind: 'token', token: stored };
  return { kind: 'missing' };
}

/** Forgets the token (an expired or refused link). */
export function endSession(env: Pick<SessionEnvironment, 'storage'>): void {
  safely(() => env.storage?.removeItem(TOKEN_STORAGE_KEY));
}

/** Storage may throw (quota, privacy settings); the portal works without it. */
function safely<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    return undefined;
  }
}

/**
 * What the link may do, from its token's payload (`grp_<base64url JSON>.<signature>`, the `s`
 * claim): 'read' links may only look, so the pages hide what they could not do. Nothing secret is
 * read, and nothing here is trusted: the API refuses a read link's changes itself (403
 * read_only_link). A payload that cannot be read counts as 'manage', the API's default.
 */
export function linkScope(token: string): 'read' | 'manage' {
  const payload = /^grp_([A-Za-z0-9_-]+)\./.exec(token)?.[1];
  if (payload === undefined) return 'manage';
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null && (claims as { s?: unknown }).s === 'read' ? 'read' : 'manage';
  } catch {
    return 'manage';
  }
}
