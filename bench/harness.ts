// The dispatcher as the bench runs it: the real DeliveryService, DynamoDbStore, HTTP sender and
// retry scheduler, wired as lambdas/dispatcher/handler.ts wires them, but with SDK clients of our
// own so a middleware can count every request and the DynamoDB capacity it consumes.
// Two ways to run a batch: 'concurrent' is the handler's (Powertools BatchProcessor, records
// concurrently, endpoints of a record concurrently); 'sequential' is a naive loop that awaits one
// record before the next (the service still fans one record out to its endpoints concurrently).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { DynamoDbStore } from '../lambdas/adapters/dynamodb-store';
import { createHttpSender, type HttpSender } from '../lambdas/adapters/http-sender';
import type { OperationalEvents } from '../lambdas/adapters/operational-events';
import { createRetryScheduler } from '../lambdas/adapters/retry-scheduler';
import { DeliveryService, type DeliveryMetric } from '../lambdas/delivery/delivery-service';
import { EVENT_CATALOGUE } from '../lambdas/domain/event-catalogue';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../lambdas/domain/retry-policy';
import { eventBridgeEnvelope, sqsEvent } from '../test/support/sqs-event';

/** Where the shared parts run; a memory worker gets this as JSON. */
export interface BenchTarget {
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly awsEndpoint: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly scheduleGroupName: string;
  readonly schedulerRoleArn: string;
}

export type BatchMode = 'concurrent' | 'sequential';

export interface DynamoOpStats {
  requests: number;
  errors: number;
  writeUnits: number;
  readUnits: number;
}

/** What one stretch of work cost, as counted by the client middlewares. */
export interface MeterSnapshot {
  dynamodb: Record<string, DynamoOpStats>;
  sqs: Record<string, number>;
  scheduler: Record<string, number>;
  eventBridge: Record<string, number>;
  metrics: Partial<Record<DeliveryMetric, number>>;
}

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const REGION = 'us-east-1';

export class Meter {
  private state: MeterSnapshot = Meter.empty();
  /** Bodies of the retry messages handed to SQS or Scheduler since the last drain. */
  private retryBodies: string[] = [];

  static empty(): MeterSnapshot {
    return { dynamodb: {}, sqs: {}, scheduler: {}, eventBridge: {}, metrics: {} };
  }

  reset(): void {
    this.state = Meter.empty();
    this.retryBodies = [];
  }

  snapshot(): MeterSnapshot {
    return structuredClone(this.state);
  }

  drainRetryBodies(): string[] {
    const bodies = this.retryBodies;
    this.retryBodies = [];
    return bodies;
  }

  dynamo(operation: string, capacity: ConsumedCapacity | ConsumedCapacity[] | undefined, failed: boolean): void {
    const stats = (this.state.dynamodb[operation] ??= { requests: 0, errors: 0, writeUnits: 0, readUnits: 0 });
    stats.requests += 1;
    if (failed) stats.errors += 1;
    for (const entry of capacity === undefined ? [] : Array.isArray(capacity) ? capacity : [capacity]) {
      // Transactions report the split; single-item calls report CapacityUnits only.
      const write = entry.WriteCapacityUnits ?? (READ_OPERATIONS.has(operation) ? 0 : (entry.CapacityUnits ?? 0));
      const read = entry.ReadCapacityUnits ?? (READ_OPERATIONS.has(operation) ? (entry.CapacityUnits ?? 0) : 0);
      stats.writeUnits += write;
      stats.readUnits += read;
    }
  }

  request(service: 'sqs' | 'scheduler' | 'eventBridge', operation: string, input: Record<string, unknown>): void {
    const counts = this.state[service];
    counts[operation] = (counts[operation] ?? 0) + 1;
    if (operation === 'SendMessage' && typeof input.MessageBody === 'string') this.retryBodies.push(input.MessageBody);
    const target = input.Target as { Input?: unknown } | undefined;
    if (operation === 'CreateSchedule' && typeof target?.Input === 'string') this.retryBodies.push(target.Input);
  }

  metric(name: DeliveryMetric): void {
    this.state.metrics[name] = (this.state.metrics[name] ?? 0) + 1;
  }
}

const operationOf = (commandName: string | undefined): string => (commandName ?? 'Unknown').replace(/Command$/, '');

/** Asks DynamoDB for the capacity of every call (tables and GSIs apart) and books it. */
function meterDynamoDb(client: DynamoDBClient, meter: Meter): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const operation = operationOf(context.commandName);
      try {
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
        meter.dynamo(operation, output.ConsumedCapacity, false);
        return result;
      } catch (error) {
        meter.dynamo(operation, undefined, true);
        throw error;
      }
    },
    { step: 'initialize', name: 'benchConsumedCapacity', override: true },
  );
}

/** Counts SQS and Scheduler calls by operation (and keeps the retry bodies they carry). */
function meterRequests(sqs: SQSClient, scheduler: SchedulerClient, meter: Meter): void {
  const options = { step: 'initialize', name: 'benchRequestCount', override: true } as const;
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      meter.request('sqs', operationOf(context.commandName), args.input as Record<string, unknown>);
      return next(args);
    },
    options,
  );
  scheduler.middlewareStack.add(
    (next, context) => async (args) => {
      meter.request('scheduler', operationOf(context.commandName), args.input as Record<string, unknown>);
      return next(args);
    },
    options,
  );
}

export interface Harness {
  readonly service: DeliveryService;
  readonly meter: Meter;
  readonly target: BenchTarget;
  runBatch(mode: BatchMode, bodies: readonly string[]): Promise<{ failures: number }>;
  close(): Promise<void>;
}

const SILENT_LOG = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CONTEXT = { functionName: 'bench-dispatcher', awsRequestId: 'bench' } as Context;
/** The stack's defaults (lib/webhook-delivery.ts): the default retry schedule, a 30 s delivery deadline. */
const RETRY_SCHEDULE = DEFAULT_RETRY_SCHEDULE_SECONDS;
const DELIVERY_TIMEOUT_MS = 30_000;

export interface HarnessHooks {
  /** Called as each webhook POST starts, with the number now in flight (this one included). */
  onSendStart?: (inFlight: number) => void;
}

export function createHarness(target: BenchTarget, hooks: HarnessHooks = {}): Harness {
  const meter = new Meter();
  const clientConfig = (endpoint: string) => ({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  const dynamodb = new DynamoDBClient(clientConfig(target.dynamoDbEndpoint));
  const sqs = new SQSClient(clientConfig(target.awsEndpoint));
  const scheduler = new SchedulerClient(clientConfig(target.awsEndpoint));
  meterDynamoDb(dynamodb, meter);
  meterRequests(sqs, scheduler, meter);

  const httpSender = createHttpSender({ allowPrivate: true, timeoutMs: DELIVERY_TIMEOUT_MS });
  let inFlight = 0;
  const sender: HttpSender = {
    async send(url, headers, body) {
      inFlight += 1;
      hooks.onSendStart?.(inFlight);
      try {
        return await httpSender.send(url, headers, body);
      } finally {
        inFlight -= 1;
      }
    },
    close: () => httpSender.close(),
  };
  // Only an endpoint being disabled publishes one; the bench never gets there, but count it if it does.
  const operationalEvents: OperationalEvents = {
    endpointDisabled: async () => meter.request('eventBridge', 'PutEvents', {}),
  };
  const service = new DeliveryService({
    store: new DynamoDbStore(dynamodb, target.tableName, 30),
    sender,
    retries: createRetryScheduler({
      sqs,
      scheduler,
      queueUrl: target.queueUrl,
      queueArn: target.queueArn,
      schedulerRoleArn: target.schedulerRoleArn,
      scheduleGroupName: target.scheduleGroupName,
    }),
    operationalEvents,
    retrySchedule: RETRY_SCHEDULE,
    eventSource: 'georedir',
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    userAgent: 'GeoRedir-Webhooks-Bench/1.0',
    log: SILENT_LOG,
    count: (metric) => meter.metric(metric),
  });
  const processor = new BatchProcessor(EventType.SQS);

  async function runBatch(mode: BatchMode, bodies: readonly string[]): Promise<{ failures: number }> {
    const event = sqsEvent(bodies, target.queueArn);
    if (mode === 'concurrent') {
      // Exactly the handler's call: records processed concurrently, partial batch response.
      const response = await processPartialResponse(event, (record: SQSRecord) => service.handleMessage(record.body), processor, { context: CONTEXT });
      return { failures: response.batchItemFailures.length };
    }
    let failures = 0;
    for (const record of event.Records) {
      try {
        await service.handleMessage(record.body);
      } catch {
        failures += 1;
      }
    }
    return { failures };
  }

  return {
    service,
    meter,
    target,
    runBatch,
    async close() {
      await sender.close();
      dynamodb.destroy();
      sqs.destroy();
      scheduler.destroy();
    },
  };
}

let messageCounter = 0;

/** A producer's click for `accountId` as the rule puts it on the queue; every call is a new event. */
export function clickMessage(accountId: string, tag: string): string {
  messageCounter += 1;
  const data = { ...EVENT_CATALOGUE.click.example, click_id: `bench-${tag}-${process.pid}-${Date.now()}-${messageCounter}` };
  return JSON.stringify(eventBridgeEnvelope('click', { account_id: accountId, data }));
}
