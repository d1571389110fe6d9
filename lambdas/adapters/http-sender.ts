// The outbound webhook POST (see "Endpoint URL policy" in docs/api.md; in brief in README.md), the HttpSender port of
// delivery/ports.ts. Built on node:https (and node:http where private targets are allowed) rather
// than a client library: it keeps the bundle small and the cold start short. The URL policy is enforced where the socket is opened: the
// socket's DNS lookup resolves and checks the name and hands the socket exactly the checked
// addresses, so nothing re-resolves between check and connect (no DNS rebinding), while TLS keeps
// the host name for SNI and certificate verification.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HttpSender, SendResult } from '../delivery/ports';
import type { AttemptErrorClass } from '../domain/model';
import { checkEndpointUrl, resolveCheckedAddresses, UrlPolicyError, type HostLookup } from '../domain/url-policy';

export interface HttpSenderOptions {
  /** Allows http:// and private or loopback targets (local run, tests). */
  allowPrivate: boolean;
  /** One deadline for connect, response headers and the (bounded) body read. */
  timeoutMs: number;
  /** How much of the response body is read and kept as the excerpt; default 4096. */
  maxResponseBytes?: number;
  /** Replaces DNS (tests map names to 127.0.0.1 with it). */
  lookup?: HostLookup;
}

const DEFAULT_MAX_RESPONSE_BYTES = 4096;
const MAX_ERROR_MESSAGE_CHARS = 200;

/** A failed DNS query, kept apart from a policy refusal (resolveCheckedAddresses reports both as UrlPolicyError). */
class DnsLookupError extends Error {
  override readonly name = 'DnsLookupError';
  constructor(
    hostname: string,
    readonly code: string,
  ) {
    super(`could not resolve ${hostname} (${code})`);
  }
}

/** The attempt's deadline passed; whatever Node reports afterwards is a consequence of it. */
class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

export function createHttpSender(options: HttpSenderOptions): HttpSender {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const resolveHost = options.lookup ?? ((hostname: string) => dnsLookup(hostname, { all: true, verbatim: true }));
  const inFlight = new Set<Promise<SendResult>>();

  // Called by net.connect / tls.connect for host names (never for IP literals, which
  // checkEndpointUrl has already judged). `all` is set when Node tries several addresses.
  const checkedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    let dnsFailure: DnsLookupError | undefined;
    const recordingLookup: HostLookup = async (name) => {
      try {
        const addresses = await resolveHost(name);
        if (addresses.length === 0) dnsFailure = new DnsLookupError(name, 'ENODATA');
        return addresses;
      } catch (error) {
        dnsFailure = new DnsLookupError(name, errorCode(error) ?? 'ENOTFOUND');
        throw error;
      }
    };
    resolveCheckedAddresses(hostname, { allowPrivate: options.allowPrivate, lookup: recordingLookup }).then(
      (addresses) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? addresses.filter((a) => a.family === lookupOptions.family) : addresses;
        if (lookupOptions.all) return callback(null, wanted);
        const first = wanted[0];
        if (!first) return callback(new DnsLookupError(hostname, 'ENOTFOUND'), '');
        callback(null, first.address, first.family);
      },
      (error: unknown) => callback(dnsFailure ?? (error instanceof Error ? error : new Error(String(error))), ''),
    );
  };

  async function attempt(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);

    let target: URL;
    try {
      target = checkEndpointUrl(url, { allowPrivate: options.allowPrivate });
    } catch (error) {
      return { outcome: 'failed', errorClass: 'blocked_address', errorMessage: safeMessage(error), latencyMs: elapsed() };
    }

    let statusCode: number | undefined;
    let retryAfter: string | undefined;
    try {
      const response = await post(target, headers, body, options.timeoutMs, checkedLookup, maxResponseBytes, (res) => {
        statusCode = res.statusCode;
        retryAfter = headerValue(res.headers['retry-after']);
      });
      const code = response.statusCode;
      const base = { statusCode: code, latencyMs: elapsed(), responseExcerpt: response.excerpt, ...(retryAfter === undefined ? {} : { retryAfter }) };
      if (code >= 200 && code < 300) return { outcome: 'succeeded', ...base };
      if (code >= 300 && code < 400) {
        return { outcome: 'failed', errorClass: 'redirect', errorMessage: `HTTP ${code}: redirects are not followed`, ...base };
      }
      return { outcome: 'failed', errorClass: 'http_status', errorMessage: `HTTP ${code}`, ...base };
    } catch (error) {
      const errorClass = error instanceof DeadlineError ? 'timeout' : classifyError(error);
      const errorMessage = errorClass === 'timeout' ? `no complete response within ${options.timeoutMs} ms` : safeMessage(error);
      return {
        outcome: 'failed',
        errorClass,
        errorMessage,
        latencyMs: elapsed(),
        ...(statusCode === undefined ? {} : { statusCode }),
        ...(retryAfter === undefined ? {} : { retryAfter }),
      };
    }
  }

  return {
    send(url, headers, body) {
      const pending = attempt(url, headers, body);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
      return pending;
    },
    // No pooled sockets to close (one connection per attempt); wait for attempts still running.
    close: async () => {
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * One POST on a fresh connection: each connection is checked at connect time, and no pooled
 * socket goes stale while a Lambda sandbox is frozen between invocations. Resolves once at most
 * `maxResponseBytes` of the body are read; one timer bounds connect, headers and body together.
 */
function post(
  target: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  lookup: LookupFunction,
  maxResponseBytes: number,
  onResponse: (res: IncomingMessage) => void,
): Promise<{ statusCode: number; excerpt: string }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    const requestOptions: RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(payload.length) },
      lookup,
      agent: false,
      // Node's own default (16 KB) bounds the response head; the body bound is ours.
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (error: unknown, value?: { statusCode: number; excerpt: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (value) resolve(value);
      else reject(error);
    };
    const timer = setTimeout(() => finish(new DeadlineError(`no complete response within ${timeoutMs} ms`)), timeoutMs);

    let req: ReturnType<typeof httpRequest>;
    try {
      // A URL object: Node takes host, port and path from it and strips IPv6 brackets itself.
      req = send(target, requestOptions);
    } catch (error) {
      // Invalid header names or values throw synchronously.
      clearTimeout(timer);
      reject(error);
      return;
    }
    req.on('error', (error) => finish(error));
    req.on('response', (res) => {
      onResponse(res);
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => finish(undefined, { statusCode: res.statusCode ?? 0, excerpt: Buffer.concat(chunks).toString('utf8') });
      res.on('data', (chunk: Buffer) => {
        const room = maxResponseBytes - size;
        if (room <= 0) return;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        // Enough kept: stop reading, so an endless body is neither read nor waited for.
        if (size >= maxResponseBytes) done();
      });
      res.on('end', done);
      res.on('error', (error) => finish(error));
      res.on('close', () => {
        if (!res.complete) finish(Object.assign(new Error('the connection closed before the response was complete'), { code: 'ECONNRESET' }));
      });
    });
    req.end(payload);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_OSSL_)/;

function classifyError(error: unknown): AttemptErrorClass {
  if (error instanceof UrlPolicyError) return 'blocked_address';
  if (error instanceof DnsLookupError) return 'dns_error';
  // With several addresses Node reports an AggregateError of the individual attempts. Errors
  // are read by shape, not instanceof: Node's own errors come from another realm under jest.
  const nested = typeof error === 'object' && error !== null && 'errors' in error && Array.isArray(error.errors) ? (error.errors as unknown[]) : [];
  const codes = [errorCode(error), ...nested.map(errorCode)].filter((code): code is string => code !== undefined);
  if (codes.some((code) => TIMEOUT_CODES.has(code))) return 'timeout';
  if (codes.includes('ECONNREFUSED')) return 'connection_refused';
  if (codes.some((code) => DNS_CODES.has(code))) return 'dns_error';
  if (codes.some((code) => TLS_CODE.test(code)) || /\b(SSL|TLS)\b|certificate/i.test(messageOf(error) ?? '')) {
    return 'tls_error';
  }
  return 'connection_error';
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('message' in error)) return undefined;
  const { message } = error as { message: unknown };
  return typeof message === 'string' ? message : undefined;
}

/** Errors here come from sockets and DNS, never carry request headers; still, keep them short. */
function safeMessage(error: unknown): string {
  const text = messageOf(error) || (error instanceof Error ? error.name : String(error));
  return text.length > MAX_ERROR_MESSAGE_CHARS ? `${text.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` : text;
}
