// AWS work and cost per delivery, and the busiest partition keys at volume, measured by running
// deliveries through the real dispatcher code path over the in-process AWS stub: every DynamoDB
// read and write unit is counted from the requests the code makes (item sizes by DynamoDB's rules,
// transactions at 2x, index writes by projection) and booked to the partition key it lands on.
// The counts aggregator's share comes from the same run: the stub's stream records of the path,
// through the template's filter, in full batches of the template's batch size, through the
// aggregator's real code (its Lambda requests, GB-s and UpdateItem units; Lambda's stream reads are free).
import { createCountAggregator } from '../lambdas/counts/create-count-aggregator';
import type { EventType } from '../lambdas/domain/event-catalogue';
import { compileEventPattern } from '../lambdas/domain/event-pattern';
import { toLambdaRecord } from '../local/stream-event-source-poller';
import { BILLING_CHUNK_BYTES, PRICES } from './prices';
import { startBenchReceiver, type BenchReceiver } from './receiver';
import { createWorld, eventMessageBody, laneBatchSizes, runUntilDone, type BatchRun, type World } from './scenario';
import type { BenchStack } from './stack';

export interface UnitsOptions {
  /** Events per path (one endpoint: as many deliveries). */
  readonly events: number;
  /** Events per hot-key scenario: enough batches that a random shard choice evens out. */
  readonly hotKeyEvents: number;
  /** Delay of every stubbed AWS answer, a stand-in for the round trip, for the Lambda duration. */
  readonly awsLatencyMs: number;
  /** How long the receivers take to answer, for the Lambda duration. */
  readonly receiverLatencyMs: number;
}

export interface CostSplit {
  lambda: number;
  sqs: number;
  dynamodb: number;
  eventBridge: number;
  scheduler: number;
  total: number;
}

/** What one delivery path makes AWS do, per successful delivery. */
export interface PathUsage {
  readonly label: string;
  readonly events: number;
  readonly deliveries: number;
  readonly perDelivery: {
    writeUnits: number;
    readUnits: number;
    dynamoRequests: Record<string, number>;
    lambdaInvocations: number;
    lambdaGbSeconds: number;
    sqsRequests: number;
    putEvents: number;
    schedulerInvocations: number;
    /** The counts aggregator's GetRecords on the table's stream: one per full batch (free for Lambda). */
    streamReads: number;
    /**
     * KMS requests opening endpoint secrets: a Decrypt per data key and dispatcher instance (its
     * first batch), so a cost per instance, not per delivery; it shrinks as the run grows.
     */
    kmsRequests: number;
  };
  /** Write and read units by DynamoDB operation, per delivery (the aggregator's writes on their own line). */
  readonly unitsByOperation: Record<string, { write: number; read: number }>;
  /** The counts aggregator's part of perDelivery (already included there). */
  readonly countsAggregator: CountsUsage;
  /** Calls the dispatcher made to SQS, Scheduler, EventBridge and KMS, in total. */
  readonly serviceCalls: Record<string, number>;
  readonly meanBatchMs: number;
  readonly costPerMillionDeliveries: CostSplit;
}

/** The counts aggregator's work for one path, per delivery, at full stream batches. */
export interface CountsUsage {
  /** Delivery item changes that pass the event source's filter (claims included). */
  readonly streamRecordsPerDelivery: number;
  readonly batchSize: number;
  /** UpdateItems (one per endpoint and hour) per full batch of this path's records. */
  readonly writesPerBatch: number;
  readonly meanBatchMs: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly writeUnits: number;
}

export interface KeyLoad {
  readonly target: string;
  readonly partitionKey: string;
  readonly writesPerSecond: number;
  readonly readsPerSecond: number;
}

export interface HotKeyScenario {
  readonly label: string;
  readonly description: string;
  /** Deliveries (a) or events (b) per second the per-unit figures are scaled to. */
  readonly ratePerSecond: number;
  readonly rateUnit: 'deliveries' | 'events';
  readonly measured: { events: number; deliveries: number };
  readonly busiestWrites: KeyLoad;
  readonly busiestReads: KeyLoad;
  /** The five busiest keys by writes, then reads. */
  readonly topKeys: KeyLoad[];
}

/** What events an endpoint's filter leaves out cost (see measureUnits). */
export interface FilteredUsage {
  /**
   * The delivery path's write units per filtered event beside deliveries: the clean path's account
   * with a second endpoint filtering out every event, minus the clean path.
   */
  readonly writeUnitsPerFilteredEvent: number;
  /** The counts aggregator's share of the same difference: its ADD of the filtered count, once per endpoint and stream batch. */
  readonly countsWriteUnitsPerFilteredEvent: number;
  /** Write units per event of an account whose one endpoint filters out every event: only the batch's log page, which carries the counts. */
  readonly writeUnitsPerEventAllFiltered: number;
  readonly events: number;
}

export interface UnitsResult {
  readonly clean: PathUsage;
  readonly filtered: FilteredUsage;
  readonly fanout4: PathUsage;
  readonly retried: PathUsage;
  readonly hotKeys: HotKeyScenario[];
  readonly meanDeliveryBodyBytes: number;
  readonly batchSize: number;
  readonly lambdaMemoryMb: number;
  readonly countsBatchSize: number;
  readonly countsMemoryMb: number;
  readonly options: UnitsOptions;
  readonly assumptions: string[];
}

const chunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / BILLING_CHUNK_BYTES));
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

export async function measureUnits(stack: BenchStack, options: UnitsOptions): Promise<UnitsResult> {
  const batchSize = stack.eventSource.batchSize;
  const batchSizes = laneBatchSizes(stack);
  const memoryMb = stack.dispatcher.memoryMb;
  const receivers: BenchReceiver[] = [];
  const receiver = async (failAttempts = 0) => {
    const started = await startBenchReceiver({ latencyMs: options.receiverLatencyMs, failAttempts });
    receivers.push(started);
    return started;
  };
  try {
    const clean = await receiver();
    const flaky = await receiver(1);

    /** An endpoint whose filter lets no bench event through (every bench click has a click_id). */
    const filteringOut = { url: clean.url, events: ['*'], filter: { click_id: [{ exists: false }] } };
    const path = async (label: string, url: string, endpoints: number, accounts = 1, alsoFilteringOut = false) => {
      const world = await createWorld(stack, { latencyMs: options.awsLatencyMs });
      try {
        const accountIds = Array.from({ length: accounts }, (_, index) => `acct_bench${index}`);
        for (const accountId of accountIds) {
          const delivering = Array.from({ length: endpoints }, () => ({ url, events: ['*'] }));
          await world.seedAccount(accountId, alsoFilteringOut ? [...delivering, filteringOut] : delivering);
        }
        world.stub.resetCounts();
        const events = Math.ceil(options.events / endpoints);
        // Each account's events next to each other in the queue, as one busy producer would put them.
        const perAccount = Math.ceil(events / accounts);
        const bodies = Array.from({ length: events }, (_, index) => eventMessageBody(accountIds[Math.floor(index / perAccount)]!));
        const run = await runUntilDone(world, bodies, batchSizes);
        const usage = usageOf(label, world, run, events, memoryMb);
        return withCounts(usage, await countsOf(stack, world, usage.deliveries));
      } finally {
        await world.close();
      }
    };
    const cleanUsage = await path('clean, 1 endpoint', clean.url, 1);
    // Side by side with the clean path: the same events, and a second endpoint that filters every one out.
    const besideFiltered = await path('clean, 1 endpoint, and 1 filtering every event out', clean.url, 1, 1, true);
    const perEvent = cleanUsage.deliveries / cleanUsage.events;
    const deliveryPathWrites = (usage: PathUsage) => usage.perDelivery.writeUnits - usage.countsAggregator.writeUnits;
    const filtered: FilteredUsage = {
      writeUnitsPerFilteredEvent: (deliveryPathWrites(besideFiltered) - deliveryPathWrites(cleanUsage)) * perEvent,
      countsWriteUnitsPerFilteredEvent: (besideFiltered.countsAggregator.writeUnits - cleanUsage.countsAggregator.writeUnits) * perEvent,
      writeUnitsPerEventAllFiltered: await allFilteredWriteUnits(stack, options, filteringOut, batchSizes),
      events: cleanUsage.events,
    };
    const meanDeliveryBodyBytes = clean.bodyBytes() / Math.max(1, sum([...clean.answered.values()]));
    const fanout4 = await path('clean, 4 endpoints per event', clean.url, 4);
    // Spread over accounts so no endpoint sees 10 failures in a row (that would disable it).
    const retried = await path('1 failure then success, 1 endpoint', flaky.url, 1, Math.ceil(options.events / 5));

    // (a) one endpoint, 5,000 deliveries/s: the clean path's ledger, scaled.
    const hotA = await hotKeyRun(stack, clean.url, options, {
      label: 'a',
      description: 'one endpoint, batches of 10 messages all for it',
      ratePerSecond: 5_000,
      rateUnit: 'deliveries',
      types: ['click'],
    });
    // (c) the same endpoint with a rate limit above that rate: the limiter's reservation, once per batch, on the endpoint item.
    const hotC = await hotKeyRun(stack, clean.url, options, {
      label: 'c',
      description: 'one endpoint with rateLimit 10,000, batches of 10 messages all for it',
      ratePerSecond: 5_000,
      rateUnit: 'deliveries',
      types: ['click'],
      rateLimit: 10_000,
    });
    // (b) one account, 4 endpoints each on its own event type, 10,000 events/s spread evenly.
    const hotB = await hotKeyRun(stack, clean.url, options, {
      label: 'b',
      description: 'one account, 4 endpoints each subscribed to a different event type, events spread evenly over the 4 types',
      ratePerSecond: 10_000,
      rateUnit: 'events',
      types: ['click', 'conversion', 'link.created', 'link.updated'],
    });

    return {
      clean: cleanUsage,
      filtered,
      fanout4,
      retried,
      hotKeys: [hotA, hotB, hotC],
      meanDeliveryBodyBytes,
      batchSize,
      lambdaMemoryMb: memoryMb,
      countsBatchSize: stack.countsSource.batchSize,
      countsMemoryMb: stack.counts.memoryMb,
      options,
      assumptions: [
        'The retried path spreads its events over accounts of one endpoint each, 5 consecutive events per account (a batch of 10 holds two accounts), so that no endpoint reaches the 10 failures in a row that disable it; a batch then writes two log pages and reads two endpoints, slightly more than a one-account batch.',
        'Endpoints are established (they have answered 2xx before, lastSuccessAt): a new endpoint pays two more writes in its life, the first-contact pilot its first batch claims and its provenAt (two per batch, claim and release, until a send to it finishes within 0.5 s).',
        `Batches of ${batchSize} producer events and of up to ${stack.retrySource.batchSize} retries (the two event sources' batch sizes in the template), fed in one after another to one warm dispatcher; its caches are warm after the first batch.`,
        'DynamoDB units: DynamoDB\'s item-size rules on the items the code writes and reads; a write costs the larger of the item before and after; transactions 2x (their index writes too); a GSI write costs the projected index entry (a moved entry: delete + put); queries are billed on the items read, rounded up once; refused conditional writes still cost their units.',
        `SQS requests: one SendMessage per queued message for the EventBridge rule's and a fired schedule's, one per SendMessageBatch the dispatcher makes (retries handed over together, per ${BILLING_CHUNK_BYTES / 1024} KB), one ReceiveMessage per batch (per ${BILLING_CHUNK_BYTES / 1024} KB of its bodies) and one DeleteMessageBatch per batch; the event source's empty long polls are left out.`,
        'EventBridge: one PutEvents entry per producer event (plus any the dispatcher puts); Scheduler: one invocation per schedule created.',
        "KMS: the dispatcher's requests while delivering are counted (one Decrypt per data key its endpoints' secrets were sealed under, once per instance, cached after: one for the whole run, whatever its length) but not priced per delivery, since they grow with instances, not deliveries ($0.03 per 10,000 requests, aws.amazon.com/kms/pricing); sealing (the management API's GenerateDataKey, once per instance and hour) is not on the delivery path.",
        `Lambda: one request per batch; GB-s = batch wall time (rounded up to 1 ms) x ${memoryMb} MB, with every AWS answer delayed ${options.awsLatencyMs} ms and receivers answering in ${options.receiverLatencyMs} ms (Lambda bills the wait).`,
        `Counts aggregator: the path's stream records (every write that changed an item, as the stub's table stream keeps them) through the event source's filter from the template, repeated to fill batches of ${stack.countsSource.batchSize} (the template's batch size; at volume batches are full, below it the ${stack.countsSource.maximumBatchingWindowSeconds} s window closes them earlier and costs are tiny anyway), through the aggregator's real code: one Lambda request per batch, GB-s = batch wall time x ${stack.counts.memoryMb} MB, its UpdateItem units; reading the stream is free for Lambda (bench/prices.ts). Its writes per delivery are the distinct endpoints (and hours) of a batch divided by the batch's records: one endpoint per path here; a batch shared by E active endpoints costs E/${stack.countsSource.batchSize} write units per record, never more than one per record.`,
        `Hot keys: units booked per partition key (table pk; for a GSI the index partition key of the entry written) over ${options.hotKeyEvents} events, per delivery (a) or event (b), times the rate. DynamoDB's per-partition limits are 1,000 write units/s and 3,000 read units/s.`,
        'Hot keys, time-based work: what the dispatcher does per interval rather than per message (cache reloads every few seconds, the endpoint\'s lastSuccessAt refreshed at most once a minute) is spread here over a run of a few seconds in one process, so per delivery it is overstated; at volume it scales with the number of warm dispatchers, not with the rate.',
      ],
    };
  } finally {
    for (const started of receivers) await started.close();
  }
}

/** Write units per event when every event of the account is filtered out: nothing is delivered, so usageOf does not apply. */
async function allFilteredWriteUnits(
  stack: BenchStack,
  options: UnitsOptions,
  endpoint: { url: string; events: readonly string[]; filter: Readonly<Record<string, unknown>> },
  batchSizes: ReturnType<typeof laneBatchSizes>,
): Promise<number> {
  const world = await createWorld(stack, { latencyMs: options.awsLatencyMs });
  try {
    await world.seedAccount('acct_bench_filtered', [endpoint]);
    world.stub.resetCounts();
    const bodies = Array.from({ length: options.events }, () => eventMessageBody('acct_bench_filtered'));
    await runUntilDone(world, bodies, batchSizes);
    if ((world.metrics.get('EventsFiltered') ?? 0) !== options.events) throw new Error('bench: not every event was filtered out');
    const writes = sum(world.stub.dynamodb.ledger.filter((entry) => entry.kind === 'write').map((entry) => entry.units));
    return writes / options.events;
  } finally {
    await world.close();
  }
}

function usageOf(label: string, world: World, run: BatchRun, events: number, memoryMb: number): Omit<PathUsage, 'countsAggregator'> {
  const deliveries = world.metrics.get('DeliveriesSucceeded') ?? 0;
  if (deliveries === 0) throw new Error(`bench: ${label}: no delivery succeeded`);
  const per = (value: number) => value / deliveries;
  const ledger = world.stub.dynamodb.ledger;
  const writeUnits = sum(ledger.filter((entry) => entry.kind === 'write').map((entry) => entry.units));
  const readUnits = sum(ledger.filter((entry) => entry.kind === 'read').map((entry) => entry.units));
  const unitsByOperation: Record<string, { write: number; read: number }> = {};
  for (const entry of ledger) {
    const row = (unitsByOperation[entry.operation] ??= { write: 0, read: 0 });
    row[entry.kind] += entry.units / deliveries;
  }
  const serviceCalls: Record<string, number> = {};
  let dispatcherSqs = 0;
  let scheduled = 0;
  let putEvents = 0;
  let kmsRequests = 0;
  for (const call of world.stub.calls) {
    const name = `${call.service}.${call.operation}`;
    serviceCalls[name] = (serviceCalls[name] ?? 0) + 1;
    const bytes = sum(call.payloads.map((payload) => Buffer.byteLength(payload)));
    if (call.service === 'sqs') dispatcherSqs += chunks(bytes);
    if (call.service === 'scheduler' && call.operation === 'CreateSchedule') {
      scheduled += 1;
      dispatcherSqs += chunks(bytes); // the schedule's own SendMessage when it fires
    }
    if (call.service === 'eventBridge') putEvents += sum(call.payloads.map((payload) => chunks(Buffer.byteLength(payload))));
    if (call.service === 'kms') kmsRequests += 1;
  }
  const ingressSqs = sum(run.messageBytes.slice(0, events).map(chunks));
  const pollingSqs = sum(run.batchBytes.map(chunks)) + run.invocations;
  const dynamoRequests = Object.fromEntries([...world.stub.dynamoRequests].map(([operation, count]) => [operation, per(count)]));
  const gbSeconds = sum(run.wallMs.map((ms) => Math.ceil(ms))) / 1000 * (memoryMb / 1024);
  const perDelivery = {
    writeUnits: per(writeUnits),
    readUnits: per(readUnits),
    dynamoRequests,
    lambdaInvocations: per(run.invocations),
    lambdaGbSeconds: per(gbSeconds),
    sqsRequests: per(ingressSqs + pollingSqs + dispatcherSqs),
    putEvents: per(events + putEvents),
    schedulerInvocations: per(scheduled),
    streamReads: 0,
    kmsRequests: per(kmsRequests),
  };
  return {
    label,
    events,
    deliveries,
    perDelivery,
    unitsByOperation,
    serviceCalls,
    meanBatchMs: sum(run.wallMs) / run.wallMs.length,
    costPerMillionDeliveries: costPerMillion(perDelivery),
  };
}

const SILENT_LOG = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Runs the counts aggregator over the path's stream records, in full batches; see the assumptions. */
async function countsOf(stack: BenchStack, world: World, deliveries: number): Promise<CountsUsage> {
  const source = stack.countsSource;
  const matchers = source.filterPatterns.map((pattern, index) => compileEventPattern(pattern, { label: `counts filter ${index + 1}: Pattern`, limits: false }));
  const records = world.stub.dynamodb.stream
    .map((record) => toLambdaRecord(record, source.eventSourceArn, 'us-east-1'))
    .filter((record) => matchers.length === 0 || matchers.some((matches) => matches(record)));
  const none: CountsUsage = { streamRecordsPerDelivery: 0, batchSize: source.batchSize, writesPerBatch: 0, meanBatchMs: 0, lambdaInvocations: 0, lambdaGbSeconds: 0, writeUnits: 0 };
  if (records.length === 0) return none;
  const total = Math.ceil(records.length / source.batchSize) * source.batchSize;
  const cycled = Array.from({ length: total }, (_, index) => records[index % records.length]!);
  const clients = world.stub.clients();
  const aggregator = createCountAggregator({
    config: { tableName: world.config.tableName, retentionDays: world.config.attemptRetentionDays },
    dynamodb: clients.dynamodb,
    log: SILENT_LOG,
  });
  const ledger = world.stub.dynamodb.ledger;
  const ledgerStart = ledger.length;
  const wallMs: number[] = [];
  try {
    for (let start = 0; start < cycled.length; start += source.batchSize) {
      const started = performance.now();
      const retryFrom = await aggregator.handleRecords(cycled.slice(start, start + source.batchSize));
      wallMs.push(performance.now() - started);
      if (retryFrom !== undefined) throw new Error('bench: the counts aggregator failed a write');
    }
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
  const writes = ledger.slice(ledgerStart).filter((entry) => entry.kind === 'write');
  // This path's records are `records.length` of the `total` run through: its share of the work.
  const share = records.length / total / deliveries;
  return {
    streamRecordsPerDelivery: records.length / deliveries,
    batchSize: source.batchSize,
    writesPerBatch: writes.length / wallMs.length,
    meanBatchMs: sum(wallMs) / wallMs.length,
    lambdaInvocations: wallMs.length * share,
    lambdaGbSeconds: (sum(wallMs.map((ms) => Math.ceil(ms))) / 1000) * (stack.counts.memoryMb / 1024) * share,
    writeUnits: sum(writes.map((entry) => entry.units)) * share,
  };
}

/** The path's usage with the counts aggregator's work added. */
function withCounts(usage: Omit<PathUsage, 'countsAggregator'>, counts: CountsUsage): PathUsage {
  const perDelivery = {
    ...usage.perDelivery,
    writeUnits: usage.perDelivery.writeUnits + counts.writeUnits,
    lambdaInvocations: usage.perDelivery.lambdaInvocations + counts.lambdaInvocations,
    lambdaGbSeconds: usage.perDelivery.lambdaGbSeconds + counts.lambdaGbSeconds,
    streamReads: counts.lambdaInvocations,
    dynamoRequests: { ...usage.perDelivery.dynamoRequests, 'UpdateItem (counts aggregator)': counts.writesPerBatch * counts.lambdaInvocations },
  };
  return {
    ...usage,
    perDelivery,
    unitsByOperation: { ...usage.unitsByOperation, 'UpdateItem (counts aggregator)': { write: counts.writeUnits, read: 0 } },
    countsAggregator: counts,
    costPerMillionDeliveries: costPerMillion(perDelivery),
  };
}

export function costPerMillion(usage: PathUsage['perDelivery']): CostSplit {
  const million = 1e6;
  const split = {
    lambda: usage.lambdaInvocations * PRICES.lambdaPerMillionRequests + usage.lambdaGbSeconds * million * PRICES.lambdaArmPerGbSecond,
    sqs: usage.sqsRequests * PRICES.sqsPerMillionRequests,
    dynamodb:
      usage.writeUnits * PRICES.dynamoDbPerMillionWriteUnits +
      usage.readUnits * PRICES.dynamoDbPerMillionReadUnits +
      usage.streamReads * PRICES.dynamoDbStreamReadsByLambdaPerMillion,
    eventBridge: usage.putEvents * PRICES.eventBridgePerMillionEvents,
    scheduler: usage.schedulerInvocations * PRICES.schedulerPerMillionInvocations,
  };
  return { ...split, total: sum(Object.values(split)) };
}

async function hotKeyRun(
  stack: BenchStack,
  url: string,
  options: UnitsOptions,
  scenario: { label: string; description: string; ratePerSecond: number; rateUnit: 'deliveries' | 'events'; types: EventType[]; rateLimit?: number },
): Promise<HotKeyScenario> {
  const world = await createWorld(stack);
  try {
    const accountId = `acct_hot_${scenario.label}`;
    await world.seedAccount(accountId, scenario.types.map((type) => ({ url, events: [type], ...(scenario.rateLimit === undefined ? {} : { rateLimit: scenario.rateLimit }) })));
    world.stub.resetCounts();
    // Round-robin over the types, so every batch mixes them as an even spread would.
    const bodies = Array.from({ length: options.hotKeyEvents }, (_, index) => eventMessageBody(accountId, scenario.types[index % scenario.types.length]));
    await runUntilDone(world, bodies, laneBatchSizes(stack));
    const deliveries = world.metrics.get('DeliveriesSucceeded') ?? 0;
    const per = scenario.rateUnit === 'deliveries' ? deliveries : bodies.length;
    const loads = new Map<string, { target: string; partitionKey: string; write: number; read: number }>();
    for (const entry of world.stub.dynamodb.ledger) {
      const id = `${entry.target}\u0000${entry.partitionKey}`;
      const load = loads.get(id) ?? { target: entry.target, partitionKey: entry.partitionKey, write: 0, read: 0 };
      load[entry.kind] += entry.units;
      loads.set(id, load);
    }
    const scaled: KeyLoad[] = [...loads.values()].map((load) => ({
      target: load.target,
      partitionKey: load.partitionKey,
      writesPerSecond: (load.write / per) * scenario.ratePerSecond,
      readsPerSecond: (load.read / per) * scenario.ratePerSecond,
    }));
    const byWrites = [...scaled].sort((a, b) => b.writesPerSecond - a.writesPerSecond);
    const byReads = [...scaled].sort((a, b) => b.readsPerSecond - a.readsPerSecond);
    const none: KeyLoad = { target: '-', partitionKey: '-', writesPerSecond: 0, readsPerSecond: 0 };
    return {
      label: scenario.label,
      description: scenario.description,
      ratePerSecond: scenario.ratePerSecond,
      rateUnit: scenario.rateUnit,
      measured: { events: bodies.length, deliveries },
      busiestWrites: byWrites[0] ?? none,
      busiestReads: byReads[0] ?? none,
      topKeys: [...new Set([...byWrites.slice(0, 5), ...byReads.slice(0, 3)])],
    };
  } finally {
    await world.close();
  }
}
