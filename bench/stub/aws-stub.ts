// The AWS side of the dispatcher answered in process: a request handler for the SDK clients
// (so every request goes through the SDK's real serialisation and signing) that answers
// DynamoDB from DynamoDbStub, and SQS SendMessage/SendMessageBatch, Scheduler
// CreateSchedule/DeleteSchedule and EventBridge PutEvents at once, and KMS from the local run's
// KMS engine (local/aws-endpoint/kms.ts, with the stack's keys), counting every call.
// `latencyMs` delays each answer (a stand-in for the network round trip to AWS), 0 by default.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../lambdas/shared/aws-clients';
import { AwsServiceError } from '../../local/aws-endpoint/errors';
import { KmsEngine, type LocalKmsKeyConfig } from '../../local/aws-endpoint/kms';
import { handleKmsOperation } from '../../local/aws-endpoint/kms-api';
import { DynamoDbError, DynamoDbStub, type TableShape } from './dynamodb-stub';

/** One call the dispatcher made to SQS, Scheduler, EventBridge or KMS. */
export interface ServiceCall {
  readonly service: 'sqs' | 'scheduler' | 'eventBridge' | 'kms';
  readonly operation: string;
  /** SQS: the message bodies sent (one per message); Scheduler: the target input. */
  readonly payloads: readonly string[];
  /** SQS: DelaySeconds of each message. */
  readonly delaysSeconds?: readonly number[];
}

interface HttpRequestLike {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface HttpResponseLike {
  statusCode: number;
  headers: Record<string, string>;
  body: Readable;
}

const UTF8 = new TextDecoder();

export interface AwsStubOptions {
  readonly table: TableShape;
  readonly latencyMs?: number;
  /** The stack's KMS keys (the secrets key seals endpoint secrets); none by default. */
  readonly kmsKeys?: readonly LocalKmsKeyConfig[];
}

export class AwsStub {
  readonly dynamodb: DynamoDbStub;
  readonly kms: KmsEngine;
  readonly calls: ServiceCall[] = [];
  /** DynamoDB requests by operation. */
  readonly dynamoRequests = new Map<string, number>();
  latencyMs: number;

  constructor(options: AwsStubOptions) {
    this.dynamodb = new DynamoDbStub(options.table);
    this.kms = new KmsEngine(options.kmsKeys ?? []);
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Forgets what was counted (the stored items stay). */
  resetCounts(): void {
    this.dynamodb.ledger.length = 0;
    this.dynamodb.stream.length = 0;
    this.calls.length = 0;
    this.dynamoRequests.clear();
  }

  /** SDK clients of all five services, answered by this stub. */
  clients(): AwsClients {
    const config = (service: string) => ({
      region: 'us-east-1',
      endpoint: `http://${service}.stub.invalid`,
      credentials: { accessKeyId: 'stub', secretAccessKey: 'stub' },
      maxAttempts: 1,
      requestHandler: { handle: (request: HttpRequestLike) => this.answer(service, request) },
    });
    return {
      dynamodb: new DynamoDBClient(config('dynamodb')),
      sqs: new SQSClient(config('sqs')),
      scheduler: new SchedulerClient(config('scheduler')),
      eventBridge: new EventBridgeClient(config('events')),
      kms: new KMSClient(config('kms')),
    } as AwsClients;
  }

  private async answer(service: string, request: HttpRequestLike): Promise<{ response: HttpResponseLike }> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const body = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? UTF8.decode(request.body) : '';
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
    const operation = target.slice(target.indexOf('.') + 1);
    try {
      if (service === 'dynamodb') {
        this.dynamoRequests.set(operation, (this.dynamoRequests.get(operation) ?? 0) + 1);
        return answerText(200, this.dynamodb.handleWire(operation, body), '1.0');
      }
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      if (service === 'sqs') return json(200, this.sqs(operation, input), '1.0');
      if (service === 'events') return json(200, this.eventBridge(operation, input), '1.1');
      if (service === 'kms') {
        this.calls.push({ service: 'kms', operation, payloads: [] });
        return json(200, (await handleKmsOperation(this.kms, operation, input)) as Record<string, unknown>, '1.1');
      }
      return json(200, this.scheduler(request, input), 'rest');
    } catch (error) {
      if (error instanceof DynamoDbError) {
        return json(400, { __type: `com.amazonaws.dynamodb.v20120810#${error.type}`, message: error.message, ...error.extra }, '1.0', error.type);
      }
      if (error instanceof AwsServiceError) return json(error.httpStatus, { __type: error.code, message: error.message }, '1.1', error.code);
      throw error;
    }
  }

  private sqs(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    if (operation === 'SendMessage') {
      const body = String(input.MessageBody);
      this.calls.push({ service: 'sqs', operation, payloads: [body], delaysSeconds: [Number(input.DelaySeconds ?? 0)] });
      return { MessageId: randomUUID(), MD5OfMessageBody: md5(body) };
    }
    if (operation === 'SendMessageBatch') {
      const entries = input.Entries as Array<{ Id: string; MessageBody: string; DelaySeconds?: number }>;
      this.calls.push({ service: 'sqs', operation, payloads: entries.map((entry) => entry.MessageBody), delaysSeconds: entries.map((entry) => entry.DelaySeconds ?? 0) });
      return { Successful: entries.map((entry) => ({ Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(entry.MessageBody) })), Failed: [] };
    }
    this.calls.push({ service: 'sqs', operation, payloads: [] });
    return {};
  }

  private eventBridge(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    const entries = (input.Entries as Array<{ Detail?: string }> | undefined) ?? [];
    this.calls.push({ service: 'eventBridge', operation, payloads: entries.map((entry) => entry.Detail ?? '') });
    return operation === 'PutEvents' ? { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) } : {};
  }

  private scheduler(request: HttpRequestLike, input: Record<string, unknown>): Record<string, unknown> {
    const name = decodeURIComponent(request.path.split('/').pop() ?? '');
    const operation = { PUT: 'UpdateSchedule', POST: 'CreateSchedule', DELETE: 'DeleteSchedule', GET: 'GetSchedule' }[request.method] ?? request.method;
    const targetInput = (input.Target as { Input?: string } | undefined)?.Input;
    this.calls.push({ service: 'scheduler', operation, payloads: targetInput ? [targetInput] : [] });
    return operation === 'CreateSchedule' ? { ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/stub/${name}` } : {};
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function json(statusCode: number, body: Record<string, unknown>, protocol: '1.0' | '1.1' | 'rest', errorType?: string): { response: HttpResponseLike } {
  return answerText(statusCode, JSON.stringify(body), protocol, errorType);
}

/** Request ids only need to be distinct; a counter costs nothing the client would not see anyway. */
let requestCounter = 0;

function answerText(statusCode: number, text: string, protocol: '1.0' | '1.1' | 'rest', errorType?: string): { response: HttpResponseLike } {
  const contentType = protocol === 'rest' ? 'application/json' : `application/x-amz-json-${protocol}`;
  requestCounter += 1;
  return {
    response: {
      statusCode,
      headers: { 'content-type': contentType, 'x-amzn-requestid': `stub-${requestCounter}`, ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
      // A stream, as the SDK's own HTTP handler answers.
      body: Readable.from([Buffer.from(text, 'utf8')]),
    },
  };
}
