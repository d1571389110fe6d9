// A dispatcher over the in-process AWS stub, seeded through the store classes the API uses, and
// the producer events the scenarios send: what the measurement modules share.
import { randomUUID } from 'node:crypto';
import { ManagementStore } from '../lambdas/adapters/management-store';
import { KmsSecretBox } from '../lambdas/adapters/secret-box';
import { EVENT_CATALOGUE, type EventType } from '../lambdas/domain/event-catalogue';
import { generateSecret } from '../lambdas/domain/signing';
import type { Endpoint } from '../lambdas/domain/model';
import { loadDispatcherConfig, type DispatcherConfig } from '../lambdas/dispatcher/config';
import { eventBridgeEnvelope } from '../test/support/sqs-event';
import { createDispatcherUnderTest, type DispatcherUnderTest, type QueueMessage } from './dispatcher-under-test';
import type { BenchStack } from './stack';
import { AwsStub } from './stub/aws-stub';
import { tableShapeOf } from './stub/dynamodb-stub';

/** The webhook body a clean delivery carries, as the issue fixes it. */
export const DELIVERY_BODY_BYTES = 700;

const SILENT_LOG = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface World {
  readonly stub: AwsStub;
  readonly dispatcher: DispatcherUnderTest;
  readonly config: DispatcherConfig;
  /** The service's counters (DeliveriesSucceeded, RetriesScheduled, ...). */
  readonly metrics: Map<string, number>;
  /** A new account with webhooks in its plan and one endpoint per entry. */
  seedAccount(
    accountId: string,
    endpoints: ReadonlyArray<{ url: string; events: readonly string[]; rateLimit?: number; filter?: Readonly<Record<string, unknown>> }>,
  ): Promise<void>;
  close(): Promise<void>;
}

export async function createWorld(stack: BenchStack, options: { latencyMs?: number } = {}): Promise<World> {
  // The dispatcher's own environment from the template; locally it may POST to 127.0.0.1.
  const config = loadDispatcherConfig({ ...stack.dispatcher.environment, ALLOW_PRIVATE_ENDPOINTS: 'true' });
  // The stack's KMS keys answer in the stub, so endpoint secrets are sealed and opened as deployed.
  const stub = new AwsStub({ table: tableShapeOf(stack.table.createTable, config.tableName), latencyMs: options.latencyMs ?? 0, kmsKeys: stack.kmsKeys });
  const clients = stub.clients();
  const metrics = new Map<string, number>();
  const dispatcher = createDispatcherUnderTest({
    config,
    clients,
    log: SILENT_LOG,
    count: (metric, value = 1) => metrics.set(metric, (metrics.get(metric) ?? 0) + value),
  });
  // Sealed as the management API seals them: the dispatcher opens them with its own box (and KMS calls).
  const management = new ManagementStore(clients.dynamodb, config.tableName, config.attemptRetentionDays, new KmsSecretBox(clients.kms, config.secretsKeyArn));
  let endpointCounter = 0;
  return {
    stub,
    dispatcher,
    config,
    metrics,
    async seedAccount(accountId, endpoints) {
      const now = new Date().toISOString();
      await management.accounts.createAccount({ accountId, name: accountId, webhooksEnabled: true, maxEndpoints: 50, createdAt: now });
      for (const { url, events, rateLimit, filter } of endpoints) {
        endpointCounter += 1;
        const endpoint: Endpoint = {
          accountId,
          endpointId: `ep_bench${endpointCounter}`,
          url,
          events,
          status: 'active',
          secret: generateSecret(),
          consecutiveFailures: 0,
          // Established endpoints, as a busy one is: a new one's first batch also claims its pilot
          // (domain/first-contact.ts), one write in the endpoint's life, not per delivery.
          lastSuccessAt: now,
          ...(rateLimit === undefined ? {} : { rateLimit }),
          ...(filter === undefined ? {} : { filter }),
          createdAt: now,
          updatedAt: now,
        };
        const outcome = await management.endpoints.createEndpoint(endpoint);
        if (outcome !== 'created') throw new Error(`bench: seeding endpoint for ${accountId}: ${outcome}`);
      }
    },
    async close() {
      await dispatcher.close();
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

let eventCounter = 0;

/**
 * A producer event as the rule puts it on the dispatch queue (the EventBridge envelope). A click's
 * destination_url is padded so the webhook body is DELIVERY_BODY_BYTES long; other types carry
 * their catalogue example.
 */
export function eventMessageBody(accountId: string, type: EventType = 'click'): string {
  eventCounter += 1;
  const timestamp = new Date().toISOString();
  const example = EVENT_CATALOGUE[type].example;
  let data: Record<string, unknown> = { ...example };
  if (type === 'click') {
    data = { ...example, click_id: `bench${process.pid}x${eventCounter}` };
    const unpadded = Buffer.byteLength(JSON.stringify({ event: type, timestamp, data }));
    data.destination_url = `${String(example.destination_url)}?p=${'x'.repeat(Math.max(0, DELIVERY_BODY_BYTES - unpadded - 3))}`;
  } else if (type === 'conversion') data = { ...example, conversion_id: `conv${process.pid}x${eventCounter}` };
  return JSON.stringify(eventBridgeEnvelope(type, { account_id: accountId, id: `bench-${process.pid}-${eventCounter}`, timestamp, data }));
}

export const asMessages = (bodies: readonly string[]): QueueMessage[] => bodies.map((body) => ({ id: randomUUID(), body, receiveCount: 1 }));

export interface BatchRun {
  /** handleBatch calls (Lambda invocations). */
  invocations: number;
  /** Messages handed in, events and retries. */
  messages: number;
  /** Bytes of every message body handed in. */
  messageBytes: number[];
  /** Per invocation, the bytes of its batch's bodies (what one ReceiveMessage returned). */
  batchBytes: number[];
  wallMs: number[];
}

/** Messages per invocation in each lane, as the template's two event sources take them. */
export interface LaneBatchSizes {
  readonly events: number;
  readonly retries: number;
}

export function laneBatchSizes(stack: Pick<BenchStack, 'eventSource' | 'retrySource'>): LaneBatchSizes {
  return { events: stack.eventSource.batchSize, retries: stack.retrySource.batchSize };
}

/**
 * Feeds `bodies` to the dispatcher in batches of `batchSizes.events`, then whatever retry messages
 * it handed to SQS or Scheduler (as the retry queue would, once due) in batches of
 * `batchSizes.retries`, until nothing is left. A failed message fails the run: the scenarios are
 * meant to complete.
 */
export async function runUntilDone(world: World, bodies: readonly string[], batchSizes: LaneBatchSizes, maxRounds = 10): Promise<BatchRun> {
  const run: BatchRun = { invocations: 0, messages: 0, messageBytes: [], batchBytes: [], wallMs: [] };
  let pending = [...bodies];
  for (let round = 0; pending.length > 0; round += 1) {
    if (round >= maxRounds) throw new Error(`bench: ${pending.length} messages still pending after ${maxRounds} rounds`);
    const seen = world.stub.calls.length;
    const batchSize = round === 0 ? batchSizes.events : batchSizes.retries;
    for (let start = 0; start < pending.length; start += batchSize) {
      const batch = pending.slice(start, start + batchSize);
      const started = performance.now();
      const failed = await world.dispatcher.handleBatch(asMessages(batch));
      run.wallMs.push(performance.now() - started);
      if (failed.length > 0) throw new Error(`bench: ${failed.length} of ${batch.length} messages failed`);
      run.invocations += 1;
      run.messages += batch.length;
      const sizes = batch.map((body) => Buffer.byteLength(body));
      run.messageBytes.push(...sizes);
      run.batchBytes.push(sizes.reduce((sum, size) => sum + size, 0));
    }
    pending = world.stub.calls
      .slice(seen)
      .filter((call) => (call.service === 'sqs' && call.operation.startsWith('SendMessage')) || (call.service === 'scheduler' && call.operation === 'CreateSchedule'))
      .flatMap((call) => call.payloads);
  }
  return run;
}
