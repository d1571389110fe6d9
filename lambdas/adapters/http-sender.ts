// The outbound webhook POST (DESIGN §3, §4). The URL policy is enforced where the socket is
// opened: the connector's DNS lookup resolves and checks the name and hands the socket exactly the
// checked addresses, so nothing re-resolves between check and connect (no DNS rebinding), while
// TLS keeps the host name for SNI and certificate verification.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { AttemptErrorClass } from '../domain/model';
import { checkEndpointUrl, resolveCheckedAddresses, UrlPolicyError, type HostLookup } from '../domain/url-policy';

export interface SendResult {
  outcome: 'succeeded' | 'failed';
  statusCode?: number;
  errorClass?: AttemptErrorClass;
  errorMessage?: string;
  latencyMs: number;
  responseExcerpt?: string;
  /** The raw Retry-After response header, if any. */
  retryAfter?: string;
}

export interface HttpSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  close(): Promise<void>;
}

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

export function createHttpSender(options: HttpSenderOptions): HttpSender {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const resolveHost = options.lookup ?? ((hostname: string) => dnsLookup(hostname, { all: true, verbatim: true }));

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

  const agent = new Agent({
    connect: { lookup: checkedLookup, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  async function send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);

    try {
      checkEndpointUrl(url, { allowPrivate: options.allowPrivate });
    } catch (error) {
      return { outcome: 'failed', errorClass: 'blocked_address', errorMessage: safeMessage(error), latencyMs: elapsed() };
    }

    const deadline = AbortSignal.timeout(options.timeoutMs);
    let statusCode: number | undefined;
    let retryAfter: string | undefined;
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers,
        body,
        signal: deadline,
        // A fresh connection per attempt: each one is checked at connect time, and no pooled
        // socket goes stale while a Lambda sandbox is frozen between invocations.
        reset: true,
      });
      statusCode = response.statusCode;
      retryAfter = headerValue(response.headers['retry-after']);
      const responseExcerpt = await readExcerpt(response.body, maxResponseBytes);
      const base = { statusCode, latencyMs: elapsed(), responseExcerpt, ...(retryAfter === undefined ? {} : { retryAfter }) };
      if (statusCode >= 200 && statusCode < 300) return { outcome: 'succeeded', ...base };
      if (statusCode >= 300 && statusCode < 400) {
        return { outcome: 'failed', errorClass: 'redirect', errorMessage: `HTTP ${statusCode}: redirects are not followed`, ...base };
      }
      return { outcome: 'failed', errorClass: 'http_status', errorMessage: `HTTP ${statusCode}`, ...base };
    } catch (error) {
      const errorClass = deadline.aborted ? 'timeout' : classifyError(error);
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
    send,
    close: () => agent.close(),
  };
}

/** Reads at most `limit` bytes, then destroys the stream so an endless body is neither read nor waited for. */
async function readExcerpt(stream: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const room = limit - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= limit) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_OSSL_)/;

function classifyError(error: unknown): AttemptErrorClass {
  if (error instanceof UrlPolicyError) return 'blocked_address';
  if (error instanceof DnsLookupError) return 'dns_error';
  // With several addresses Node reports an AggregateError of the individual attempts.
  const codes = [errorCode(error), ...(error instanceof AggregateError ? error.errors.map(errorCode) : [])].filter(
    (code): code is string => code !== undefined,
  );
  if (codes.some((code) => TIMEOUT_CODES.has(code))) return 'timeout';
  if (codes.includes('ECONNREFUSED')) return 'connection_refused';
  if (codes.some((code) => DNS_CODES.has(code))) return 'dns_error';
  if (codes.some((code) => TLS_CODE.test(code)) || (error instanceof Error && /\b(SSL|TLS)\b|certificate/i.test(error.message))) {
    return 'tls_error';
  }
  return 'connection_error';
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

/** Errors here come from sockets and DNS, never carry request headers; still, keep them short. */
function safeMessage(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.length > MAX_ERROR_MESSAGE_CHARS ? `${text.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` : text;
}
