// The portal's one way to the management API: same origin, the token as a Bearer credential, JSON
// in and out, errors as ApiRequestError. A 401 means the link is over (expired or refused): the
// client reports it once to the app, which swaps the page for the link-problem page.
// Calls go through openapi-fetch, typed by the types generated from the API's own OpenAPI document
// (generated/api-schema.ts): a path, parameter, body or answer the API does not have fails to compile.
import createClient, { type Client, type ClientPathsWithMethod, type MaybeOptionalInit, type MethodResponse } from 'openapi-fetch';
import type { ApiErrorBody } from './api-types';
import type { paths } from './generated/api-schema';

export type LinkProblem = 'expired' | 'invalid';

export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { readonly field: string; readonly message: string }[] = [],
  ) {
    super(message);
  }

  /** The message of one field's problem (e.g. the URL policy's reason for `url`), if the API named it. */
  detailFor(field: string): string | undefined {
    return this.details.find((detail) => detail.field === field)?.message;
  }

  /**
   * The messages about a field and anything inside it (`headers`, `headers.X-Foo`, `redact[0]`), joined;
   * undefined when the API named none.
   */
  detailsUnder(field: string): string | undefined {
    const messages = this.details.filter((detail) => detail.field === field || detail.field.startsWith(`${field}.`) || detail.field.startsWith(`${field}[`)).map((detail) => detail.message);
    return messages.length === 0 ? undefined : messages.join('; ');
  }
}

/** What an expired link answers (the API's code for a portal token past its time). */
export const LINK_EXPIRED_CODE = 'portal_link_expired';

export function linkProblemOf(error: ApiRequestError): LinkProblem | undefined {
  if (error.status !== 401) return undefined;
  return error.code === LINK_EXPIRED_CODE ? 'expired' : 'invalid';
}

export interface ApiClientOptions {
  /** The API's base URL, ending with `/` (the page's own folder: the portal is served by the API). */
  readonly baseUrl: string;
  readonly token: string;
  /** The page's `fetch` (tests pass their own). */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Called on the first 401; later calls still throw. */
  readonly onLinkProblem: (problem: LinkProblem) => void;
}

type Api = Client<paths>;
type Method = 'get' | 'post' | 'patch' | 'delete';
/** The API's path templates that take the method, e.g. `/v1/endpoints/{id}`. */
export type ApiPath<M extends Method> = ClientPathsWithMethod<Api, M>;
/** openapi-fetch's options for one call: `params.path`, `params.query` and `body`, as the document types them. */
type Init<M extends Method, P extends ApiPath<M>> = MaybeOptionalInit<paths[P], M>;
/** The options argument: optional where the operation needs nothing. */
type InitArgs<M extends Method, P extends ApiPath<M>> = undefined extends Init<M, P> ? [init?: Init<M, P>] : [init: Init<M, P>];
/** The success answer's body. */
export type ApiAnswer<M extends Method, P extends ApiPath<M>> = MethodResponse<Api, M, P>;

/** openapi-fetch's `request`, seen without its generics: the typed methods below are the contract. */
type UntypedRequest = (method: Method, path: string, init?: object) => Promise<{ readonly data?: unknown; readonly error?: unknown; readonly response: Response }>;

export type Query = Readonly<Record<string, unknown>>;

/**
 * No cookies, no cache, no Referer on any call. Spread rather than written in the options: Node's
 * RequestInit type (what the repository's server-side type check sees) has no `cache`.
 */
const REQUEST_INIT = { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' } as const;

export class ApiClient {
  private reported = false;
  private readonly client: Api;

  constructor(private readonly options: ApiClientOptions) {
    this.client = createClient<paths>({
      baseUrl: options.baseUrl,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      ...REQUEST_INIT,
      // The portal's filters leave a field empty to mean "any": empty values are not sent.
      querySerializer: queryString,
      fetch: (request) => this.send(request),
    });
  }

  get<P extends ApiPath<'get'>>(path: P, ...init: InitArgs<'get', P>): Promise<ApiAnswer<'get', P>> {
    return this.call('get', path, init[0]) as Promise<ApiAnswer<'get', P>>;
  }

  post<P extends ApiPath<'post'>>(path: P, ...init: InitArgs<'post', P>): Promise<ApiAnswer<'post', P>> {
    return this.call('post', path, init[0]) as Promise<ApiAnswer<'post', P>>;
  }

  patch<P extends ApiPath<'patch'>>(path: P, ...init: InitArgs<'patch', P>): Promise<ApiAnswer<'patch', P>> {
    return this.call('patch', path, init[0]) as Promise<ApiAnswer<'patch', P>>;
  }

  /** A 204 answers nothing. */
  async delete<P extends ApiPath<'delete'>>(path: P, ...init: InitArgs<'delete', P>): Promise<void> {
    await this.call('delete', path, init[0]);
  }

  private async call(method: Method, path: string, init: object | undefined): Promise<unknown> {
    const { data, error, response } = await (this.client.request as UntypedRequest)(method, path, init);
    if (response.ok) return data;
    const failure = toError(response.status, error);
    const problem = linkProblemOf(failure);
    if (problem && !this.reported) {
      this.reported = true;
      this.options.onLinkProblem(problem);
    }
    throw failure;
  }

  private async send(request: Request): Promise<Response> {
    try {
      return await this.options.fetch(request);
    } catch {
      throw new ApiRequestError(0, 'network_error', 'The webhooks service could not be reached. Check your connection and try again.');
    }
  }
}

/** An error answer as openapi-fetch hands it over: the parsed JSON, or the text when it was not JSON. */
function toError(status: number, answer: unknown): ApiRequestError {
  const error = (answer as Partial<ApiErrorBody> | undefined)?.error;
  if (!error || typeof error.code !== 'string') return new ApiRequestError(status, `http_${status}`, `The service answered ${status}.`);
  return new ApiRequestError(status, error.code, error.message, (error.details ?? []).map(({ field, message }) => ({ field, message })));
}

/** `name=value&...` without the empty ones. */
function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  return params.toString();
}

/** `path?name=value&...` without the empty ones. */
export function withQuery(path: string, query: Query): string {
  const encoded = queryString(query);
  return encoded === '' ? path : `${path}?${encoded}`;
}
