// One port for every service: JSON-RPC services are told apart by `X-Amz-Target`, Scheduler
// (REST-JSON) by its paths. Errors are written in each protocol's format so the SDK raises
// the named exception.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { proxyToDynamoDb } from './dynamodb-proxy';
import { AwsServiceError, unknownOperation } from './errors';
import { FAULTS_PATH, type FaultInjector, schedulerOperation } from './faults';
import type { Clock } from './clock';
import type { EventBridgeEngine } from './eventbridge';
import { handleEventBridgeOperation } from './eventbridge-api';
import type { KmsEngine } from './kms';
import { handleKmsOperation } from './kms-api';
import { handleLocalControl, isLocalControlPath } from './local-control';
import type { SchedulerEngine } from './scheduler';
import { handleSchedulerRequest, isSchedulerPath } from './scheduler-api';
import type { SqsEngine } from './sqs';
import { handleSqsOperation } from './sqs-api';

export interface RouterServices {
  sqs: SqsEngine;
  events: EventBridgeEngine;
  scheduler: SchedulerEngine;
  kms: KmsEngine;
  /** The engines' clock; GET/POST /_local/clock read and advance it. */
  clock: Clock;
  /** DynamoDB Local, e.g. `http://127.0.0.1:8000`; without it DynamoDB calls are refused. */
  dynamoDbEndpoint?: string;
  /** Local-only injected errors (POST /_local/faults); none when absent. */
  faults?: FaultInjector;
  log: (line: string) => void;
}

/**
 * The largest request AWS allows here is an SQS message or batch of 1 MiB, which JSON escaping can
 * make up to twice as long (a body of quotes); anything bigger is refused.
 */
const MAX_REQUEST_BYTES = 2 * 1_048_576 + 65_536;

type Protocol =
  | { kind: 'json'; service: 'SQS' | 'EventBridge' | 'DynamoDB' | 'KMS'; contentType: string }
  | { kind: 'rest-json'; service: 'Scheduler' };

const SQS_PROTOCOL: Protocol = { kind: 'json', service: 'SQS', contentType: 'application/x-amz-json-1.0' };
const EVENTS_PROTOCOL: Protocol = { kind: 'json', service: 'EventBridge', contentType: 'application/x-amz-json-1.1' };
const KMS_PROTOCOL: Protocol = { kind: 'json', service: 'KMS', contentType: 'application/x-amz-json-1.1' };
const DYNAMODB_PROTOCOL: Protocol = { kind: 'json', service: 'DynamoDB', contentType: 'application/x-amz-json-1.0' };
const SCHEDULER_PROTOCOL: Protocol = { kind: 'rest-json', service: 'Scheduler' };

export function createRequestHandler(services: RouterServices): http.RequestListener {
  return (request, response) => {
    const started = Date.now();
    const target = headerValue(request, 'x-amz-target');
    const url = new URL(request.url ?? '/', 'http://localhost');
    const logDone = (name: string, status: number) => services.log(`${name} ${status} ${Date.now() - started}ms`);
    const clientGone = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) clientGone.abort();
    });

    if (target?.startsWith('DynamoDB_20120810.')) {
      const injected = services.faults?.check('dynamodb', target.slice(target.indexOf('.') + 1));
      if (injected) {
        request.resume();
        writeError(response, DYNAMODB_PROTOCOL, injected, false);
        logDone(`${target} ${injected.code} (injected)`, injected.httpStatus);
        return;
      }
      if (services.dynamoDbEndpoint) {
        proxyToDynamoDb(request, response, services.dynamoDbEndpoint, (status) => logDone(target, status));
        return;
      }
      const operation = target.slice(target.indexOf('.') + 1);
      const error = new AwsServiceError(
        'UnknownOperationException',
        `local AWS endpoint does not implement DynamoDB.${operation} (no dynamoDbEndpoint configured)`,
      );
      request.resume();
      writeError(response, DYNAMODB_PROTOCOL, error, false);
      logDone(target, error.httpStatus);
      return;
    }

    const dispatch = async (): Promise<{ name: string; protocol: Protocol; result: Promise<unknown> }> => {
      // /_local/ takes JSON whatever the content type says: `curl -d` sends it as a form.
      const body = await readJsonBody(request, isLocalControlPath(url.pathname));
      if (target) {
        const separator = target.indexOf('.');
        const prefix = separator > 0 ? target.slice(0, separator) : target;
        const operation = separator > 0 ? target.slice(separator + 1) : '';
        if (prefix === 'TrentService') return { name: `KMS.${operation}`, protocol: KMS_PROTOCOL, result: handleKmsOperation(services.kms, operation, body) };
        const injected = services.faults?.check(prefix === 'AmazonSQS' ? 'sqs' : 'events', operation);
        if (injected) {
          const protocol = prefix === 'AmazonSQS' ? SQS_PROTOCOL : EVENTS_PROTOCOL;
          return { name: `${target} (injected)`, protocol, result: Promise.reject(injected) };
        }
        if (prefix === 'AmazonSQS') return { name: `SQS.${operation}`, protocol: SQS_PROTOCOL, result: handleSqsOperation(services.sqs, operation, body, clientGone.signal) };
        if (prefix === 'AWSEvents') {
          return { name: `EventBridge.${operation}`, protocol: EVENTS_PROTOCOL, result: handleEventBridgeOperation(services.events, operation, body) };
        }
        return { name: target, protocol: EVENTS_PROTOCOL, result: Promise.reject(unknownOperation(prefix, operation)) };
      }
      if (url.pathname === FAULTS_PATH && services.faults) {
        const faults = services.faults;
        return { name: `local ${request.method} ${url.pathname}`, protocol: SCHEDULER_PROTOCOL, result: (async () => faults.handle(request.method ?? 'GET', body))() };
      }
      if (url.pathname === EXPIRE_IN_FLIGHT_PATH && request.method === 'POST') {
        return { name: `local POST ${url.pathname}`, protocol: SCHEDULER_PROTOCOL, result: (async () => expireInFlight(services.sqs, body))() };
      }
      if (isLocalControlPath(url.pathname)) {
        return {
          name: `local ${request.method} ${url.pathname}`,
          protocol: SCHEDULER_PROTOCOL,
          result: (async () => handleLocalControl(services, request.method ?? 'GET', url, body))(),
        };
      }
      if (isSchedulerPath(url.pathname)) {
        const injected = services.faults?.check('scheduler', schedulerOperation(request.method ?? 'GET', url.pathname));
        if (injected) return { name: `Scheduler ${request.method} ${url.pathname} (injected)`, protocol: SCHEDULER_PROTOCOL, result: Promise.reject(injected) };
        return {
          name: `Scheduler ${request.method} ${url.pathname}`,
          protocol: SCHEDULER_PROTOCOL,
          result: handleSchedulerRequest(services.scheduler, request.method ?? 'GET', url, body),
        };
      }
      const what = isFormEncoded(request) ? 'the SQS/EventBridge query protocol (use the JSON protocol)' : `${request.method} ${url.pathname}`;
      return {
        name: `${request.method} ${url.pathname}`,
        protocol: EVENTS_PROTOCOL,
        result: Promise.reject(new AwsServiceError('UnknownOperationException', `local AWS endpoint does not implement ${what}`)),
      };
    };

    dispatch()
      .then(async ({ name, protocol, result }) => {
        try {
          writeResult(response, protocol, await result);
          logDone(name, 200);
        } catch (error) {
          const serviceError = toServiceError(error, services.log);
          writeError(response, protocol, serviceError, protocol.kind === 'json' && protocol.service === 'SQS');
          logDone(`${name} ${serviceError.code}`, serviceError.httpStatus);
        }
      })
      .catch((error: unknown) => {
        // The body could not be read or parsed: answer in the protocol the request used.
        const protocol = target?.startsWith('AmazonSQS.') ? SQS_PROTOCOL : target ? EVENTS_PROTOCOL : SCHEDULER_PROTOCOL;
        const serviceError = toServiceError(error, services.log);
        writeError(response, protocol, serviceError, protocol === SQS_PROTOCOL);
        logDone(`${target ?? url.pathname} ${serviceError.code}`, serviceError.httpStatus);
      });
  };
}

/**
 * Local only: POST /_local/sqs/expire-in-flight {"queue": "name", "receivedBefore": ISO-8601}
 * ends the visibility timeout of messages received before then (see SqsEngine.expireInFlight).
 */
const EXPIRE_IN_FLIGHT_PATH = '/_local/sqs/expire-in-flight';

function expireInFlight(sqs: SqsEngine, body: unknown): { released: number } {
  const { queue, receivedBefore } = (typeof body === 'object' && body !== null ? body : {}) as { queue?: unknown; receivedBefore?: unknown };
  const before = typeof receivedBefore === 'string' ? Date.parse(receivedBefore) : Number.NaN;
  if (typeof queue !== 'string' || !sqs.hasQueue(queue) || !Number.isFinite(before)) {
    throw new AwsServiceError('ValidationException', 'expected {"queue": an existing queue name, "receivedBefore": an ISO-8601 time}');
  }
  return { released: sqs.expireInFlight(queue, before) };
}

function headerValue(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isFormEncoded(request: http.IncomingMessage): boolean {
  return (headerValue(request, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
}

async function readJsonBody(request: http.IncomingMessage, anyContentType = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new AwsServiceError('RequestEntityTooLarge', 'Request body is too large.', 413);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '' || (isFormEncoded(request) && !anyContentType)) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AwsServiceError('SerializationException', 'Request body is not valid JSON.');
  }
}

function toServiceError(error: unknown, log: (line: string) => void): AwsServiceError {
  if (error instanceof AwsServiceError) return error;
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new AwsServiceError('InternalFailure', `local AWS endpoint failed: ${error instanceof Error ? error.message : String(error)}`, 500);
}

function writeResult(response: http.ServerResponse, protocol: Protocol, result: unknown): void {
  const contentType = protocol.kind === 'json' ? protocol.contentType : 'application/json';
  writeJson(response, 200, { 'content-type': contentType }, result ?? {});
}

function writeError(response: http.ServerResponse, protocol: Protocol, error: AwsServiceError, queryCompatible: boolean): void {
  if (protocol.kind === 'rest-json') {
    writeJson(response, error.httpStatus, { 'content-type': 'application/json', 'x-amzn-ErrorType': error.code }, { Message: error.message });
    return;
  }
  const headers: Record<string, string> = { 'content-type': protocol.contentType };
  let type = error.code;
  if (queryCompatible) {
    // SQS speaks JSON but stays compatible with its query API: the SDK reads this header.
    headers['x-amzn-query-error'] = `${error.queryErrorCode ?? error.code};${error.httpStatus < 500 ? 'Sender' : 'Receiver'}`;
    type = error.code === 'UnknownOperationException' ? `com.amazon.coral.service#${error.code}` : `com.amazonaws.sqs#${error.code}`;
  }
  writeJson(response, error.httpStatus, headers, { __type: type, message: error.message });
}

function writeJson(response: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { ...headers, 'content-length': String(payload.length), 'x-amzn-RequestId': randomUUID() });
  response.end(payload);
}
