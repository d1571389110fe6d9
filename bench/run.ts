// `npm run bench`: what a webhook delivery costs and how fast a batch goes, measured side by side
// in one run against real parts on 127.0.0.1 (DynamoDB Local, the local AWS endpoint, HTTP
// receivers with a set latency). Prints tables and writes bench/results/latest.json.
//
//   npm run bench -- --reps 5 --latencies 50,200 --memory-batches 3 [--no-memory]
//
// Only ratios measured in the same run mean anything on a shared machine; absolute milliseconds
// are reported for context, not as targets.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clickMessage, createHarness, type BatchMode, type Harness, type MeterSnapshot } from './harness';
import { startBenchInfra, type BenchInfra } from './infra';
import type { MemoryJob, MemoryResult } from './memory-worker';
import { LAMBDA_MEMORY_GB, LAMBDA_VCPU_SHARE, PRICES } from './prices';

// As in jest.config.js: the SDK warns once per process that Node 20 support ends in 2027.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// --- options -------------------------------------------------------------------------------

const RECORDS_PER_BATCH = 10;
const ENDPOINTS_PER_EVENT = 2;
const DELIVERIES_PER_BATCH = RECORDS_PER_BATCH * ENDPOINTS_PER_EVENT;

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string' },
    latencies: { type: 'string' },
    'memory-batches': { type: 'string' },
    'no-memory': { type: 'boolean' },
    'cpu-prof': { type: 'boolean' },
  },
});
const options = {
  reps: positiveInt(args.reps ?? process.env.BENCH_REPS, 5),
  latenciesMs: (args.latencies ?? process.env.BENCH_LATENCIES ?? '50,200').split(',').map((part) => positiveInt(part.trim(), NaN)),
  memoryBatches: positiveInt(args['memory-batches'] ?? process.env.BENCH_MEMORY_BATCHES, 3),
  memory: !(args['no-memory'] ?? process.env.BENCH_MEMORY === '0'),
  /** Writes a V8 CPU profile of every memory worker to bench/results/profiles/. */
  cpuProfile: args['cpu-prof'] ?? false,
};

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`expected a positive whole number, got "${value}"`);
  return parsed;
}

// --- statistics ----------------------------------------------------------------------------

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Sums the meter snapshots of several runs. */
function addUp(snapshots: readonly MeterSnapshot[]): MeterSnapshot {
  const total: MeterSnapshot = { dynamodb: {}, sqs: {}, scheduler: {}, eventBridge: {}, metrics: {} };
  for (const snapshot of snapshots) {
    for (const [operation, stats] of Object.entries(snapshot.dynamodb)) {
      const sum = (total.dynamodb[operation] ??= { requests: 0, errors: 0, writeUnits: 0, readUnits: 0 });
      sum.requests += stats.requests;
      sum.errors += stats.errors;
      sum.writeUnits += stats.writeUnits;
      sum.readUnits += stats.readUnits;
    }
    for (const service of ['sqs', 'scheduler', 'eventBridge', 'metrics'] as const) {
      const into = total[service] as Record<string, number>;
      for (const [name, count] of Object.entries(snapshot[service] as Record<string, number>)) into[name] = (into[name] ?? 0) + count;
    }
  }
  return total;
}

// --- the measured work ---------------------------------------------------------------------

interface Sample {
  wallMs: number;
  meter: MeterSnapshot;
}

/** One batch, checked: every record handled, every expected delivery succeeded. */
async function measureBatch(harness: Harness, mode: BatchMode, bodies: readonly string[], expectedDeliveries: number): Promise<Sample> {
  harness.meter.reset();
  const startedAt = performance.now();
  const { failures } = await harness.runBatch(mode, bodies);
  const wallMs = performance.now() - startedAt;
  const meter = harness.meter.snapshot();
  const succeeded = meter.metrics.DeliveriesSucceeded ?? 0;
  if (failures > 0 || succeeded !== expectedDeliveries) {
    throw new Error(`${mode} batch: ${failures} failed records, ${succeeded}/${expectedDeliveries} deliveries succeeded`);
  }
  return { wallMs, meter };
}

const batchOf = (accountId: string, tag: string): string[] => Array.from({ length: RECORDS_PER_BATCH }, () => clickMessage(accountId, tag));

interface LatencyRun {
  latencyMs: number;
  concurrent: Sample[];
  sequential: Sample[];
  /** One record x one endpoint per invocation: the unbatched alternative. */
  single: Sample[];
}

async function runLatency(infra: BenchInfra, harness: Harness, latencyMs: number): Promise<LatencyRun> {
  const receivers = [await infra.receiver({ latencyMs }), await infra.receiver({ latencyMs })];
  const account = `bench-l${latencyMs}`;
  const singleAccount = `bench-single-l${latencyMs}`;
  await infra.account(account, receivers);
  await infra.account(singleAccount, receivers.slice(0, 1));
  // Warm-up of both paths (JIT, sockets, DynamoDB Local's own warm-up); not kept.
  await measureBatch(harness, 'concurrent', batchOf(account, 'warm'), DELIVERIES_PER_BATCH);
  await measureBatch(harness, 'sequential', batchOf(account, 'warm'), DELIVERIES_PER_BATCH);
  await measureBatch(harness, 'concurrent', [clickMessage(singleAccount, 'warm')], 1);

  const run: LatencyRun = { latencyMs, concurrent: [], sequential: [], single: [] };
  for (let rep = 0; rep < options.reps; rep += 1) {
    // Alternate which mode goes first, so drift in the machine's load hits both alike.
    const order: BatchMode[] = rep % 2 ? ['sequential', 'concurrent'] : ['concurrent', 'sequential'];
    for (const mode of order) run[mode].push(await measureBatch(harness, mode, batchOf(account, mode), DELIVERIES_PER_BATCH));
    run.single.push(await measureBatch(harness, 'concurrent', [clickMessage(singleAccount, 'single')], 1));
  }
  return run;
}

interface RetryRun {
  failAttempts: number;
  /** Deliveries per repetition. */
  deliveries: number;
  invocations: number;
  wallMs: number[];
  meter: MeterSnapshot;
}

/**
 * Deliveries that fail `failAttempts` times (HTTP 500) before they succeed: the first batch, then
 * the retry messages the service handed to SQS or Scheduler, fed back in batches of ten as the
 * event source would, until every delivery has succeeded.
 */
async function runRetries(infra: BenchInfra, harness: Harness, latencyMs: number, failAttempts: number, reps: number): Promise<RetryRun> {
  const receiver = await infra.receiver({ latencyMs, failAttempts });
  const accounts = Array.from({ length: RECORDS_PER_BATCH }, (_, index) => `bench-retry${failAttempts}-${index}`);
  for (const account of accounts) await infra.account(account, [receiver, receiver]);
  const wallMs: number[] = [];
  const meters: MeterSnapshot[] = [];
  let invocations = 0;
  for (let rep = 0; rep < reps; rep += 1) {
    harness.meter.reset();
    let pending = accounts.map((account) => clickMessage(account, `retry${failAttempts}`));
    let wall = 0;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > failAttempts) throw new Error(`retry scenario: still ${pending.length} messages after ${round} rounds`);
      for (let start = 0; start < pending.length; start += RECORDS_PER_BATCH) {
        const startedAt = performance.now();
        const { failures } = await harness.runBatch('concurrent', pending.slice(start, start + RECORDS_PER_BATCH));
        wall += performance.now() - startedAt;
        invocations += 1;
        if (failures > 0) throw new Error(`retry scenario: ${failures} records failed`);
      }
      pending = harness.meter.drainRetryBodies();
    }
    const meter = harness.meter.snapshot();
    if ((meter.metrics.DeliveriesSucceeded ?? 0) !== DELIVERIES_PER_BATCH || (meter.metrics.RetriesScheduled ?? 0) !== DELIVERIES_PER_BATCH * failAttempts) {
      throw new Error(`retry scenario: unexpected outcome ${JSON.stringify(meter.metrics)}`);
    }
    wallMs.push(wall);
    meters.push(meter);
  }
  return { failAttempts, deliveries: DELIVERIES_PER_BATCH, invocations: invocations / reps, wallMs, meter: addUp(meters) };
}

async function runMemory(infra: BenchInfra, latencyMs: number, mode: BatchMode): Promise<MemoryResult> {
  const job: MemoryJob = {
    target: infra.target,
    accountId: `bench-l${latencyMs}`,
    mode,
    records: RECORDS_PER_BATCH,
    batches: options.memoryBatches,
    expectedDeliveries: DELIVERIES_PER_BATCH,
  };
  const child = fork(join(__dirname, 'memory-worker.ts'), [], {
    execArgv: ['--expose-gc', '--import', 'tsx', ...(options.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, 'results', 'profiles')}`] : [])],
    env: { ...process.env, BENCH_MEMORY_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    let result: MemoryResult | undefined;
    child.on('message', (message) => (result = message as MemoryResult));
    child.on('error', reject);
    child.on('exit', (code) =>
      result && code === 0 ? resolve(result) : reject(new Error(`memory worker (${mode}, ${latencyMs} ms) exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

// --- derived figures -----------------------------------------------------------------------

/** Per delivery: what the dispatcher's side of AWS bills for. */
interface UsageProfile {
  label: string;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  dynamoRequests: number;
  sqsRequests: number;
  schedulerInvocations: number;
  putEvents: number;
}

interface CostSplit {
  lambda: number;
  sqs: number;
  dynamodb: number;
  eventBridge: number;
  scheduler: number;
  total: number;
}

function dynamoTotals(meter: MeterSnapshot) {
  const stats = Object.values(meter.dynamodb);
  return {
    requests: stats.reduce((sum, op) => sum + op.requests, 0),
    writeUnits: stats.reduce((sum, op) => sum + op.writeUnits, 0),
    readUnits: stats.reduce((sum, op) => sum + op.readUnits, 0),
  };
}

/**
 * SQS requests of the whole path: the rule's SendMessage per queued message (an event, or a
 * retry: ours, or Scheduler's when a schedule fires), and per invocation one ReceiveMessage and
 * one DeleteMessageBatch by the event source (empty long polls left out).
 */
function profile(
  label: string,
  input: { deliveries: number; invocations: number; wallMs: number; meter: MeterSnapshot; ingressMessages: number },
): UsageProfile {
  const dynamo = dynamoTotals(input.meter);
  const ourSends = input.meter.sqs.SendMessage ?? 0;
  const schedules = input.meter.scheduler.CreateSchedule ?? 0;
  const sqsRequests = input.ingressMessages + ourSends + schedules + 2 * input.invocations;
  const per = (value: number): number => value / input.deliveries;
  return {
    label,
    lambdaInvocations: per(input.invocations),
    lambdaGbSeconds: per((input.wallMs / 1000) * LAMBDA_MEMORY_GB),
    dynamoWriteUnits: per(dynamo.writeUnits),
    dynamoReadUnits: per(dynamo.readUnits),
    dynamoRequests: per(dynamo.requests),
    sqsRequests: per(sqsRequests),
    schedulerInvocations: per(schedules),
    // The producer publishes one event for every ENDPOINTS_PER_EVENT deliveries, whatever the dispatcher does.
    putEvents: 1 / ENDPOINTS_PER_EVENT,
  };
}

/** US dollars per million successful deliveries. */
function costPerMillion(usage: UsageProfile): CostSplit {
  const lambda = usage.lambdaInvocations * PRICES.lambdaPerMillionRequests + usage.lambdaGbSeconds * 1e6 * PRICES.lambdaPerGbSecond;
  const sqs = usage.sqsRequests * PRICES.sqsPerMillionRequests;
  const dynamodb = usage.dynamoWriteUnits * PRICES.dynamoDbPerMillionWriteUnits + usage.dynamoReadUnits * PRICES.dynamoDbPerMillionReadUnits;
  const eventBridge = usage.putEvents * PRICES.eventBridgePerMillionPutEvents;
  const scheduler = usage.schedulerInvocations * PRICES.schedulerPerMillionInvocations;
  const split = { lambda, sqs, dynamodb, eventBridge, scheduler };
  const rounded = Object.fromEntries(Object.entries(split).map(([key, value]) => [key, round(value, 4)])) as Omit<CostSplit, 'total'>;
  return { ...rounded, total: round(lambda + sqs + dynamodb + eventBridge + scheduler, 4) };
}

// --- output --------------------------------------------------------------------------------

function table(title: string, headers: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}

const fmt = (value: number, digits = 2): string => value.toFixed(digits);

// --- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = performance.now();
  console.log(`bench: ${options.reps} reps, latencies ${options.latenciesMs.join(', ')} ms, ${RECORDS_PER_BATCH} events x ${ENDPOINTS_PER_EVENT} endpoints per batch`);
  const infra = await startBenchInfra();
  const harness = createHarness(infra.target);
  try {
    console.log(`bench: DynamoDB Local up in ${infra.dynamoDbStartupMs} ms; measuring...`);
    const latencyRuns: LatencyRun[] = [];
    for (const latencyMs of options.latenciesMs) latencyRuns.push(await runLatency(infra, harness, latencyMs));
    const retryLatency = options.latenciesMs[0]!;
    const retryReps = Math.min(options.reps, 3);
    const retries = [await runRetries(infra, harness, retryLatency, 1, retryReps), await runRetries(infra, harness, retryLatency, 3, retryReps)];
    const memory: { latencyMs: number; concurrent: MemoryResult; sequential: MemoryResult }[] = [];
    if (options.memory) {
      for (const latencyMs of options.latenciesMs) {
        memory.push({ latencyMs, concurrent: await runMemory(infra, latencyMs, 'concurrent'), sequential: await runMemory(infra, latencyMs, 'sequential') });
      }
    }
    report({ latencyRuns, retries, retryLatency, memory, elapsedMs: performance.now() - startedAt });
  } finally {
    await harness.close();
    await infra.close();
  }
}

function report(input: {
  latencyRuns: LatencyRun[];
  retries: RetryRun[];
  retryLatency: number;
  memory: { latencyMs: number; concurrent: MemoryResult; sequential: MemoryResult }[];
  elapsedMs: number;
}): void {
  const { latencyRuns, retries, retryLatency, memory } = input;

  // 1. Batch wall time and GB-seconds.
  const timing = latencyRuns.map((run) => {
    const concurrentMs = median(run.concurrent.map((sample) => sample.wallMs));
    const sequentialMs = median(run.sequential.map((sample) => sample.wallMs));
    const singleMs = median(run.single.map((sample) => sample.wallMs));
    // Paired per repetition (the two ran back to back), then the median of those ratios.
    const speedUp = median(run.concurrent.map((sample, rep) => run.sequential[rep]!.wallMs / sample.wallMs));
    const gbSecondsPer1000 = (ms: number, deliveries: number) => ((ms / 1000) * LAMBDA_MEMORY_GB * 1000) / deliveries;
    return {
      latencyMs: run.latencyMs,
      concurrentMs: round(concurrentMs, 1),
      sequentialMs: round(sequentialMs, 1),
      concurrentRangeMs: [round(Math.min(...run.concurrent.map((s) => s.wallMs)), 1), round(Math.max(...run.concurrent.map((s) => s.wallMs)), 1)],
      sequentialRangeMs: [round(Math.min(...run.sequential.map((s) => s.wallMs)), 1), round(Math.max(...run.sequential.map((s) => s.wallMs)), 1)],
      speedUp: round(speedUp),
      singleDeliveryMs: round(singleMs, 1),
      gbSecondsPer1000Deliveries: {
        concurrent: round(gbSecondsPer1000(concurrentMs, DELIVERIES_PER_BATCH), 4),
        sequential: round(gbSecondsPer1000(sequentialMs, DELIVERIES_PER_BATCH), 4),
        onePerInvocation: round(gbSecondsPer1000(singleMs, 1), 4),
      },
    };
  });
  table(
    `1. One SQS batch (${RECORDS_PER_BATCH} events x ${ENDPOINTS_PER_EVENT} endpoints = ${DELIVERIES_PER_BATCH} deliveries), median of ${options.reps}; Lambda at 256 MB`,
    ['receiver latency', 'concurrent ms', 'sequential ms', 'speed-up (x)', 'GB-s/1k conc', 'GB-s/1k seq', 'seq/conc GB-s', 'GB-s/1k 1-per-invoke'],
    timing.map((row) => [
      `${row.latencyMs} ms`,
      fmt(row.concurrentMs, 0),
      fmt(row.sequentialMs, 0),
      fmt(row.speedUp, 1),
      fmt(row.gbSecondsPer1000Deliveries.concurrent, 3),
      fmt(row.gbSecondsPer1000Deliveries.sequential, 3),
      fmt(row.gbSecondsPer1000Deliveries.sequential / row.gbSecondsPer1000Deliveries.concurrent, 1),
      fmt(row.gbSecondsPer1000Deliveries.onePerInvocation, 3),
    ]),
  );

  // 2. DynamoDB work per successful delivery (the counts do not depend on latency; take the first run).
  const first = latencyRuns[0]!;
  const successMeter = addUp(first.concurrent.map((sample) => sample.meter));
  const successDeliveries = first.concurrent.length * DELIVERIES_PER_BATCH;
  const dynamoPerDelivery = Object.entries(successMeter.dynamodb)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, stats]) => ({
      operation,
      requests: round(stats.requests / successDeliveries, 3),
      writeUnits: round(stats.writeUnits / successDeliveries, 3),
      readUnits: round(stats.readUnits / successDeliveries, 3),
      errors: stats.errors,
    }));
  const successTotals = dynamoTotals(successMeter);
  table(
    '2a. DynamoDB per successful delivery (batched; ConsumedCapacity as DynamoDB Local reports it, GSI included)',
    ['operation', 'requests', 'WCU', 'RCU'],
    [
      ...dynamoPerDelivery.map((row) => [row.operation, fmt(row.requests, 2), fmt(row.writeUnits, 2), fmt(row.readUnits, 2)]),
      ['total', fmt(successTotals.requests / successDeliveries, 2), fmt(successTotals.writeUnits / successDeliveries, 2), fmt(successTotals.readUnits / successDeliveries, 2)],
    ],
  );

  // Requests per delivery for success and for retried deliveries.
  const profiles: UsageProfile[] = [];
  const costRows: { label: string; latencyMs: number; usage: UsageProfile; cost: CostSplit }[] = [];
  for (const run of latencyRuns) {
    const t = timing.find((row) => row.latencyMs === run.latencyMs)!;
    const meterOf = (samples: Sample[]) => addUp(samples.map((sample) => sample.meter));
    const reps = run.concurrent.length;
    const concurrent = profile(`batched, concurrent (as built), ${run.latencyMs} ms`, {
      deliveries: DELIVERIES_PER_BATCH * reps,
      invocations: reps,
      wallMs: t.concurrentMs * reps,
      meter: meterOf(run.concurrent),
      ingressMessages: RECORDS_PER_BATCH * reps,
    });
    const sequential = profile(`batched, sequential records, ${run.latencyMs} ms`, {
      deliveries: DELIVERIES_PER_BATCH * reps,
      invocations: reps,
      wallMs: t.sequentialMs * reps,
      meter: meterOf(run.sequential),
      ingressMessages: RECORDS_PER_BATCH * reps,
    });
    const single = profile(`one delivery per invocation, ${run.latencyMs} ms`, {
      deliveries: run.single.length,
      invocations: run.single.length,
      wallMs: t.singleDeliveryMs * run.single.length,
      meter: meterOf(run.single),
      ingressMessages: run.single.length,
    });
    for (const usage of [concurrent, sequential, single]) {
      profiles.push(usage);
      costRows.push({ label: usage.label, latencyMs: run.latencyMs, usage, cost: costPerMillion(usage) });
    }
  }
  for (const retry of retries) {
    const reps = retry.wallMs.length;
    const usage = profile(`retried ${retry.failAttempts}x then delivered, ${retryLatency} ms`, {
      deliveries: retry.deliveries * reps,
      invocations: retry.invocations * reps,
      wallMs: median(retry.wallMs) * reps,
      meter: retry.meter,
      ingressMessages: RECORDS_PER_BATCH * reps,
    });
    profiles.push(usage);
    costRows.push({ label: usage.label, latencyMs: retryLatency, usage, cost: costPerMillion(usage) });
  }
  const requestRows = [
    { name: 'success (batched)', meter: successMeter, deliveries: successDeliveries },
    ...retries.map((retry) => ({ name: `retried ${retry.failAttempts}x, then success`, meter: retry.meter, deliveries: retry.deliveries * retry.wallMs.length })),
  ].map(({ name, meter, deliveries }) => {
    const dynamo = dynamoTotals(meter);
    return {
      scenario: name,
      dynamoRequests: round(dynamo.requests / deliveries, 3),
      dynamoWriteUnits: round(dynamo.writeUnits / deliveries, 3),
      dynamoReadUnits: round(dynamo.readUnits / deliveries, 3),
      sqsSendMessage: round((meter.sqs.SendMessage ?? 0) / deliveries, 3),
      schedulerCreateSchedule: round((meter.scheduler.CreateSchedule ?? 0) / deliveries, 3),
    };
  });
  table(
    '2b. Requests the dispatcher makes per delivery (its own calls; the event source\'s are in the cost model)',
    ['scenario', 'DynamoDB req', 'WCU', 'RCU', 'SQS SendMessage', 'Scheduler CreateSchedule'],
    requestRows.map((row) => [row.scenario, fmt(row.dynamoRequests), fmt(row.dynamoWriteUnits), fmt(row.dynamoReadUnits), fmt(row.sqsSendMessage), fmt(row.schedulerCreateSchedule)]),
  );

  table(
    '2c. Estimated AWS cost, USD per million successful deliveries (prices in bench/prices.ts)',
    ['path', 'Lambda', 'SQS', 'DynamoDB', 'EventBridge', 'Scheduler', 'total'],
    costRows.map((row) => [row.label, fmt(row.cost.lambda, 3), fmt(row.cost.sqs, 3), fmt(row.cost.dynamodb, 3), fmt(row.cost.eventBridge, 3), fmt(row.cost.scheduler, 3), fmt(row.cost.total, 3)]),
  );
  const naiveRatios = latencyRuns.map((run) => {
    const batched = costRows.find((row) => row.latencyMs === run.latencyMs && row.label.startsWith('batched, concurrent'))!;
    const sequential = costRows.find((row) => row.latencyMs === run.latencyMs && row.label.startsWith('batched, sequential'))!;
    const naive = costRows.find((row) => row.latencyMs === run.latencyMs && row.label.startsWith('one delivery per invocation'))!;
    return {
      latencyMs: run.latencyMs,
      onePerInvocationVsBatched: round(naive.cost.total / batched.cost.total),
      sequentialVsBatched: round(sequential.cost.total / batched.cost.total),
      lambdaOnePerInvocationVsBatched: round(naive.cost.lambda / batched.cost.lambda),
    };
  });
  table(
    '2d. Cost ratios against the batched, concurrent dispatcher (total cost per delivery)',
    ['receiver latency', 'one-per-invocation / batched', 'its Lambda part alone', 'sequential / batched'],
    naiveRatios.map((row) => [`${row.latencyMs} ms`, fmt(row.onePerInvocationVsBatched), fmt(row.lambdaOnePerInvocationVsBatched), fmt(row.sequentialVsBatched)]),
  );

  // 3. Memory.
  const memoryRows = memory.map((entry) => {
    const summary = (result: MemoryResult) => ({
      peakRssMb: round(median(result.batches.map((batch) => batch.peakRssMb)), 1),
      peakHeapAboveBaselineMb: round(median(result.batches.map((batch) => batch.peakHeapAboveBaselineMb)), 2),
      liveHeapAtPeakMb: round(median(result.batches.map((batch) => batch.liveHeapAtPeakMb)), 3),
      peakInFlight: Math.min(...result.batches.map((batch) => batch.peakInFlight)),
      cpuMs: round(median(result.batches.map((batch) => batch.cpuMs)), 0),
      wallMs: round(median(result.batches.map((batch) => batch.wallMs)), 0),
      maxRssMb: round(result.maxRssMb, 1),
    });
    const concurrent = summary(entry.concurrent);
    const sequential = summary(entry.sequential);
    return {
      latencyMs: entry.latencyMs,
      concurrent,
      sequential,
      rssRatio: round(concurrent.peakRssMb / sequential.peakRssMb),
      heapRatio: round(concurrent.peakHeapAboveBaselineMb / sequential.peakHeapAboveBaselineMb),
      liveHeapRatio: round(concurrent.liveHeapAtPeakMb / sequential.liveHeapAtPeakMb, 1),
      cpuRatio: round(concurrent.cpuMs / sequential.cpuMs),
      // Modelled, not measured: at 256 MB the batch cannot finish sooner than its CPU time on a
      // 256/1769 vCPU share (assuming this machine's core is worth one Lambda vCPU).
      at256Mb: {
        cpuFloorMsConcurrent: round(concurrent.cpuMs / LAMBDA_VCPU_SHARE, 0),
        cpuFloorMsSequential: round(sequential.cpuMs / LAMBDA_VCPU_SHARE, 0),
        speedUp: round(Math.max(sequential.wallMs, sequential.cpuMs / LAMBDA_VCPU_SHARE) / Math.max(concurrent.wallMs, concurrent.cpuMs / LAMBDA_VCPU_SHARE)),
      },
    };
  });
  if (memoryRows.length > 0) {
    table(
      `3. Memory of the dispatcher process during one batch (fresh process per mode, median of ${options.memoryBatches} after a warm-up)`,
      ['receiver latency', 'peak RSS conc MB', 'peak RSS seq MB', 'RSS conc/seq', 'heap+ conc MB', 'heap+ seq MB', 'heap+ conc/seq', 'live heap conc MB', 'live heap seq MB', 'live conc/seq'],
      memoryRows.map((row) => [
        `${row.latencyMs} ms`,
        fmt(row.concurrent.peakRssMb, 0),
        fmt(row.sequential.peakRssMb, 0),
        fmt(row.rssRatio),
        fmt(row.concurrent.peakHeapAboveBaselineMb, 1),
        fmt(row.sequential.peakHeapAboveBaselineMb, 1),
        fmt(row.heapRatio),
        `${fmt(row.concurrent.liveHeapAtPeakMb, 2)} (${row.concurrent.peakInFlight} POSTs)`,
        `${fmt(row.sequential.liveHeapAtPeakMb, 2)} (${row.sequential.peakInFlight} POSTs)`,
        fmt(row.liveHeapRatio, 1),
      ]),
    );
    table(
      '3b. CPU the dispatcher process burns per batch (separate, unsampled batches; Lambda bills wall time, not CPU)',
      ['receiver latency', 'CPU ms conc', 'CPU ms seq', 'CPU conc/seq', 'wall ms conc', 'wall ms seq', 'CPU/wall conc', 'CPU/wall seq', 'CPU floor at 256 MB conc/seq ms', 'speed-up if so'],
      memoryRows.map((row) => [
        `${row.latencyMs} ms`,
        fmt(row.concurrent.cpuMs, 0),
        fmt(row.sequential.cpuMs, 0),
        fmt(row.cpuRatio),
        fmt(row.concurrent.wallMs, 0),
        fmt(row.sequential.wallMs, 0),
        `${fmt((100 * row.concurrent.cpuMs) / row.concurrent.wallMs, 0)} %`,
        `${fmt((100 * row.sequential.cpuMs) / row.sequential.wallMs, 0)} %`,
        `${fmt(row.at256Mb.cpuFloorMsConcurrent, 0)} / ${fmt(row.at256Mb.cpuFloorMsSequential, 0)}`,
        fmt(row.at256Mb.speedUp, 1),
      ]),
    );
  }

  const notes = [
    'Ratios are the result; absolute times depend on this machine (2 shared cores, DynamoDB Local in Java on the same cores).',
    'concurrent = the handler\'s Powertools BatchProcessor over the real DeliveryService; sequential = the same service, records awaited one after another (endpoints of one record still fan out concurrently inside the service).',
    'Lambda GB-seconds = batch wall time x 0.25 GB (Lambda bills the wait); per-invocation overhead and 1 ms rounding left out.',
    'DynamoDB capacity is the ConsumedCapacity DynamoDB Local returns with ReturnConsumedCapacity=INDEXES (table + gsi1, transactions at 2x), the same rules as on-demand DynamoDB.',
    `SQS requests per delivery: one SendMessage per queued message (the EventBridge rule's, ours for a retry, Scheduler's when a schedule fires) plus one ReceiveMessage and one DeleteMessageBatch per invocation; empty long polls are left out. EventBridge: one PutEvents per event, an event fanning out to ${ENDPOINTS_PER_EVENT} endpoints.`,
    'one delivery per invocation = SQS batch size 1 and one message per delivery (EventBridge fanning an event out to one message per endpoint), measured as one event for an account with one endpoint.',
    'Scheduler: CreateSchedule is free; each schedule fires once ($1.00/M) and sends one SQS message.',
    'CPU floor at 256 MB (modelled): Lambda gives 256 MB a 256/1769 share of a vCPU, so a batch takes at least its CPU time / 0.145 there; where that exceeds the wall time measured here, Lambda duration (and GB-s) is CPU-bound, not wait-bound, and the concurrency speed-up shrinks to the last column.',
    'Memory is the whole dispatcher process (Node, SDK clients, undici), each mode in a fresh process: heap+ is the peak heapUsed above the post-GC baseline before the batch (mostly garbage awaiting a scavenge); live heap is heapUsed after a full GC at the moment the most POSTs were in flight, above that baseline (what the in-flight work really holds).',
  ];
  console.log(`\nNotes:\n${notes.map((note) => `- ${note}`).join('\n')}`);

  const results = {
    generatedAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model },
    options: { ...options, recordsPerBatch: RECORDS_PER_BATCH, endpointsPerEvent: ENDPOINTS_PER_EVENT, lambdaMemoryMb: LAMBDA_MEMORY_GB * 1024 },
    prices: PRICES,
    batch: timing,
    dynamodbPerSuccessfulDelivery: dynamoPerDelivery,
    requestsPerDelivery: requestRows,
    usagePerDelivery: profiles,
    costPerMillionDeliveries: costRows.map((row) => ({ path: row.label, ...row.cost })),
    costRatios: naiveRatios,
    memory: memoryRows,
    rawMs: latencyRuns.map((run) => ({
      latencyMs: run.latencyMs,
      concurrent: run.concurrent.map((s) => round(s.wallMs, 1)),
      sequential: run.sequential.map((s) => round(s.wallMs, 1)),
      single: run.single.map((s) => round(s.wallMs, 1)),
    })),
    rawRetryMs: retries.map((retry) => ({ failAttempts: retry.failAttempts, latencyMs: retryLatency, wallMs: retry.wallMs.map((ms) => round(ms, 1)) })),
    notes,
    elapsedSeconds: round(input.elapsedMs / 1000, 1),
  };
  const directory = join(__dirname, 'results');
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nbench: done in ${fmt(input.elapsedMs / 1000, 1)} s; wrote bench/results/latest.json`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
