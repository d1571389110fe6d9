// The route table's shape and the lookup from method + path to a route. Each route carries its
// schemas and documentation, so the same table validates requests and generates the OpenAPI
// document: a route cannot exist undocumented, nor be documented without existing.
import type * as z from '../shared/zod';
import type { Account } from '../adapters/management-store';
import { type ApiResponse, methodNotAllowed, notFound } from './errors';
import type { PortalScope } from './portal-tokens';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** public: no credential; account: an API key or a portal token of the account; admin: an admin key. */
export type Access = 'public' | 'account' | 'admin';

/** A customer's API key (grw_...). */
export interface ApiKeyAuth {
  readonly kind: 'apiKey';
  readonly account: Account;
  /** The visible prefix of the key used, for logs. */
  readonly keyPrefix: string;
}

/** A portal token (grp_...) minted for the account; never accepted on apiKeyOnly routes. */
export interface PortalAuth {
  readonly kind: 'portal';
  readonly account: Account;
  readonly expiresAt: string;
  /** read: GET routes only (auth.ts); manage: what an API key may do but apiKeyOnly routes. */
  readonly scope: PortalScope;
  /** The minting admin key's prefix, or 'cli' (portal-tokens.ts). */
  readonly mintedBy: string;
}

/** Who calls an account route: the account is the only one whose data it sees. */
export type AuthContext = ApiKeyAuth | PortalAuth;

/** An operator's admin key (gra_...), on admin routes only. */
export interface AdminAuth {
  readonly kind: 'admin';
  readonly keyPrefix: string;
}

type AuthFor<TAccess extends Access> = TAccess extends 'account' ? AuthContext : TAccess extends 'admin' ? AdminAuth : undefined;

type Output<S> = S extends z.ZodMiniType ? z.output<S> : undefined;
/** Responses are typed by the schema's input side: what the handler builds before any transform. */
type Result<S> = S extends z.ZodMiniType ? z.input<S> : void;

interface RouteDocs {
  readonly method: HttpMethod;
  /** OpenAPI-style template: `/v1/endpoints/{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** Public routes answer without an API key. */
  readonly access: Access;
  /** Account routes a portal token may not call (API-key management): a customer API key only. */
  readonly apiKeyOnly?: boolean;
  /** A GET a read-only portal link may not call either: it hands out what can forge webhooks (the signing secret). */
  readonly manageOnly?: boolean;
  /** Routes that start deliveries or create endpoints need the account's plan to include webhooks. */
  readonly requiresWebhooks?: boolean;
  /** Error statuses this route can answer with, beyond the ones every route may give. */
  readonly errors: readonly number[];
  /** A static file (the portal's), not an API operation: its handler answers in full, and the OpenAPI document leaves it out. */
  readonly servesFile?: boolean;
}

export interface RouteDefinition<
  TAccess extends Access,
  TQuery extends z.ZodMiniType | undefined,
  TBody extends z.ZodMiniType | undefined,
  TResult extends z.ZodMiniType | undefined,
> extends RouteDocs {
  readonly access: TAccess;
  readonly query?: TQuery;
  /** `required: false` treats an empty body as `{}`. */
  readonly body?: { readonly schema: NonNullable<TBody>; readonly required: boolean };
  readonly success: { readonly status: number; readonly description: string; readonly schema?: TResult };
  handle(input: {
    readonly auth: AuthFor<TAccess>;
    readonly params: Readonly<Record<string, string>>;
    readonly query: Output<TQuery>;
    readonly body: Output<TBody>;
    /** What the caller used to reach the API, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com` (see app.ts apiBaseUrl). */
    readonly baseUrl: string;
  }): Promise<Result<TResult>>;
}

/** A route with its types erased, as the table and the app see it. */
export interface Route extends RouteDocs {
  readonly query?: z.ZodMiniType;
  readonly body?: { readonly schema: z.ZodMiniType; readonly required: boolean };
  readonly success: { readonly status: number; readonly description: string; readonly schema?: z.ZodMiniType };
  handle(input: {
    auth: AuthContext | AdminAuth | undefined;
    params: Readonly<Record<string, string>>;
    query: unknown;
    body: unknown;
    baseUrl: string;
    /** Lower-cased request headers. */
    headers: Readonly<Record<string, string>>;
  }): Promise<unknown>;
}

export function defineRoute<
  TAccess extends Access,
  TQuery extends z.ZodMiniType | undefined = undefined,
  TBody extends z.ZodMiniType | undefined = undefined,
  TResult extends z.ZodMiniType | undefined = undefined,
>(definition: RouteDefinition<TAccess, TQuery, TBody, TResult>): Route {
  // Every credentialed route may answer 429: the limits per credential and account (request-limits.ts).
  if (definition.access === 'public' || definition.errors.includes(429)) return definition as unknown as Route;
  return { ...definition, errors: [...definition.errors, 429] } as unknown as Route;
}

export interface FileRouteDefinition<TQuery extends z.ZodMiniType> {
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly query: TQuery;
  handle(input: { readonly query: z.output<TQuery>; readonly headers: Readonly<Record<string, string>> }): Promise<ApiResponse>;
}

/** A public GET answering a static file: content type, caching and security headers are the handler's. */
export function defineFileRoute<TQuery extends z.ZodMiniType>(definition: FileRouteDefinition<TQuery>): Route {
  const { handle, ...docs } = definition;
  return {
    ...docs,
    method: 'GET',
    access: 'public',
    errors: [404],
    servesFile: true,
    success: { status: 200, description: definition.summary },
    handle: ({ query, headers }) => handle({ query: query as z.output<TQuery>, headers }),
  };
}

/** Path parameters are ids we issued: anything else cannot name a resource. */
const PATH_PARAMETER = /^[A-Za-z0-9_-]{1,128}$/;

function match(pattern: string, path: string): Record<string, string> | undefined {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    const actual = pathParts[index] ?? '';
    if (part.startsWith('{') && part.endsWith('}')) {
      if (actual === '') return undefined;
      params[part.slice(1, -1)] = actual;
    } else if (part !== actual) return undefined;
  }
  return params;
}

/** The route for a request; throws 404 for an unknown path (or an impossible id) and 405 for a known path with another method. */
export function resolveRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } {
  const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const allowed: string[] = [];
  for (const route of routes) {
    const params = match(route.path, normalised);
    if (!params) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    for (const [name, raw] of Object.entries(params)) {
      let value: string;
      try {
        value = decodeURIComponent(raw);
      } catch {
        throw notFound();
      }
      if (!PATH_PARAMETER.test(value)) throw notFound();
      params[name] = value;
    }
    return { route, params };
  }
  if (allowed.length > 0) throw methodNotAllowed(allowed);
  throw notFound('No such route');
}
