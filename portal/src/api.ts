// The portal's one way to the management API: same origin, the token as a Bearer credential, JSON
// in and out, errors as ApiRequestError. A 401 means the link is over (expired or refused): the
// client reports it once to the app, which swaps the page for the link-problem page.
import type { ApiErrorBody } from './api-types';

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

type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string; credentials: 'omit'; cache: 'no-store'; referrerPolicy: 'no-referrer' }) => Promise<{
  readonly status: number;
  readonly ok: boolean;
  text(): Promise<string>;
}>;

export interface ApiClientOptions {
  /** The API's base URL, ending with `/` (the page's own folder: the portal is served by the API). */
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: Fetch;
  /** Called on the first 401; later calls still throw. */
  readonly onLinkProblem: (problem: LinkProblem) => void;
}

export type Query = Readonly<Record<string, string | number | undefined>>;

export class ApiClient {
  private reported = false;

  constructor(private readonly options: ApiClientOptions) {}

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Awaited<ReturnType<Fetch>>;
    try {
      response = await this.options.fetch(this.options.baseUrl + path.replace(/^\//, ''), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      throw new ApiRequestError(0, 'network_error', 'The webhooks service could not be reached. Check your connection and try again.');
    }
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    const error = toError(response.status, text);
    const problem = linkProblemOf(error);
    if (problem && !this.reported) {
      this.reported = true;
      this.options.onLinkProblem(problem);
    }
    throw error;
  }
}

function toError(status: number, text: string): ApiRequestError {
  let body: Partial<ApiErrorBody> | undefined;
  try {
    body = JSON.parse(text) as Partial<ApiErrorBody>;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  if (!error || typeof error.code !== 'string') return new ApiRequestError(status, `http_${status}`, `The service answered ${status}.`);
  return new ApiRequestError(status, error.code, error.message, (error.details ?? []).map(({ field, message }) => ({ field, message })));
}

/** `path?name=value&...` without the empty ones. */
export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const encoded = params.toString();
  return encoded === '' ? path : `${path}?${encoded}`;
}
