// `npm run chaos -- --scenario tenants [--json]`: tenant isolation on the local run. A quiet
// account's publish-to-receive latency alone, then while a noisy account floods a slow endpoint
// and a fast one; an endpoint with a rate limit under a burst; and how retries are jittered. See
// chaos/README.md, "The tenants run", for every phase and figure. The last line of stdout is one
// JSON object.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAccount } from '../cli/admin';
import { noEndpointSecrets } from '../lambdas/adapters/endpoint-items';
import { ManagementStore } from '../lambdas/adapters/management-store';
import { deliveryIdFor } from '../lambdas/domain/ids';
import { warmDynamoDbLocal } from '../local/dynamodb-warm-up';
import type { LocalOutputs } from '../local/outputs';
import { Api, clickData, pool, readFinalStates } from './api';
import { LOCAL_CREDENTIALS, localRunSettings, type RunningLocal, startLocal } from './local-run';
import type { FinalStatus } from './metrics';
import { type ChaosReceiver, type Scenario, startChaosReceiver } from './receivers';
import { allAnsweredAt, gapSummary, latencySummary, maxInSlidingWindow, type QuietEvent, retryGapsMs, tenantTargets } from './tenant-metrics';

interface TenantOptions {
  json: boolean;
  /** Events in each of the noisy account's two bursts. */
  burst: number;
  /** How long the slow endpoint takes to answer 200. */
  slowAnswerMs: number;
  /** How long the quiet account publishes alone. */
  baselineSeconds: number;
  /** The quiet account publishes during a burst until the burst has drained or this long, whichever is first... */
  quietMaxSeconds: number;
  /** ...but at least this many events (one a second). */
  quietMinSamples: number;
  /** After the quiet account stops, how long to wait at most for the burst to drain before the next phase. */
  drainWaitSeconds: number;
  rateLimitedEvents: number;
  retryEvents: number;
  /** How long to wait at most for the rate-limited and retry phase to finish. */
  lastPhaseWaitSeconds: number;
  keepLogDir?: string;
  dynamoDbWarmUpRequests: number;
}

const DELIVERY_TIMEOUT_MS = 10_000;
/** The first retry after 60 s (the guide's), the second after 300 s: only the first is ever due here. */
const RETRY_SCHEDULE = [60, 300];
/** The dispatcher's local concurrency: ten event-lane and ten retry-lane invocations. */
const WARM_ENVIRONMENTS = 20;
const RATE_LIMIT = 20;
/** The dispatcher learns of new accounts and endpoints within ACCOUNT_CACHE_SECONDS (5 s). */
const ACCOUNT_CACHE_WAIT_MS = 6000;
/** PutEvents calls (10 entries each) in flight at once while a burst is published. */
const PUBLISH_CONCURRENCY = 8;
const POLL_MS = 500;
/** After the last phase, how long to wait at most for anything still open before reading the API. */
const SETTLE_WAIT_MS = 20_000;
const USAGE =
  'usage: npm run chaos -- --scenario tenants [--burst N] [--slow-answer-ms MS] [--baseline-seconds S] [--quiet-max-seconds S] [--quiet-min-samples N] ' +
  '[--drain-wait S] [--rate-limited-events N] [--retry-events N] [--last-phase-wait S] [--dynamodb-warm-up N | --no-dynamodb-warm-up] [--keep-log DIR] [--json]';

export function parseTenantOptions(argv: readonly string[]): TenantOptions {
  const options: TenantOptions = {
    json: false,
    burst: 3000,
    slowAnswerMs: 4500,
    baselineSeconds: 30,
    quietMaxSeconds: 60,
    quietMinSamples: 20,
    drainWaitSeconds: 60,
    rateLimitedEvents: 600,
    retryEvents: 200,
    lastPhaseWaitSeconds: 120,
    dynamoDbWarmUpRequests: 1500,
  };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const value = () => {
      const next = Number(argv[(index += 1)]);
      if (!Number.isFinite(next) || next <= 0) throw new Error(`${arg} needs a positive number`);
      return Math.round(next);
    };
    if (arg === '--json') options.json = true;
    else if (arg === '--burst') options.burst = value();
    else if (arg === '--slow-answer-ms') options.slowAnswerMs = value();
    else if (arg === '--baseline-seconds') options.baselineSeconds = value();
    else if (arg === '--quiet-max-seconds') options.quietMaxSeconds = value();
    else if (arg === '--quiet-min-samples') options.quietMinSamples = value();
    else if (arg === '--drain-wait') options.drainWaitSeconds = value();
    else if (arg === '--rate-limited-events') options.rateLimitedEvents = value();
    else if (arg === '--retry-events') options.retryEvents = value();
    else if (arg === '--last-phase-wait') options.lastPhaseWaitSeconds = value();
    else if (arg === '--dynamodb-warm-up') options.dynamoDbWarmUpRequests = value();
    else if (arg === '--no-dynamodb-warm-up') options.dynamoDbWarmUpRequests = 0;
    else if (arg === '--keep-log') {
      const folder = argv[(index += 1)];
      if (!folder) throw new Error('--keep-log needs a folder');
      options.keepLogDir = folder;
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return options;
}

interface Tenant {
  readonly name: string;
  readonly accountId: string;
  readonly api: Api;
}

/** One endpoint and its receiver. */
interface Target {
  readonly tenant: Tenant;
  readonly endpointId: string;
  readonly receiver: ChaosReceiver;
}

/** Events published to one target (each makes one delivery there). */
interface Published {
  readonly target: Target;
  readonly phase: string;
  /** Event id -> epoch ms its PutEvents call started (only entries PutEvents accepted). */
  readonly putAt: Map<string, number>;
  /** Entries still refused after every try. */
  failed: number;
}

interface BurstResult {
  readonly publishMs: number;
  /** From the start of the burst until its last delivery was answered 2xx; undefined if it had not drained when the phase ended. */
  readonly drainMs?: number;
}

export async function runTenants(argv: readonly string[], say: (line: string) => void): Promise<void> {
  const options = parseTenantOptions(argv);
  const startedAt = Date.now();
  if (options.keepLogDir) mkdirSync(options.keepLogDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'georedir-chaos-tenants-'));
  // Receivers listen first: a port picked for the local run, then taken by a receiver, fails its start.
  const start = (scenario: Scenario, answerDelayMs?: number) => startChaosReceiver(scenario, answerDelayMs === undefined ? {} : { answerDelayMs });
  const receivers = {
    quiet: await start('healthy'),
    slow: await start('slow', options.slowAnswerMs),
    fast: await start('healthy'),
    rateLimited: await start('healthy'),
    retried: await start('fail-first'),
  };
  const settings = await localRunSettings({
    workDir,
    label: 'tenants',
    retrySchedule: RETRY_SCHEDULE,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    // Every dispatcher environment warm from the start, as in a busy deployment: the run measures
    // isolation between accounts, not this machine's cold starts (two cores for all of them).
    env: { LOCAL_WARM_ENVIRONMENTS: String(WARM_ENVIRONMENTS) },
    log: say,
    ...(options.keepLogDir ? { keepLogDir: options.keepLogDir } : {}),
  });
  let local: RunningLocal | undefined;
  const clients: Array<{ destroy(): void }> = [];
  const published: Published[] = [];
  try {
    say(`tenants: starting the local run (DELIVERY_TIMEOUT_MS=${DELIVERY_TIMEOUT_MS}, RETRY_SCHEDULE_SECONDS=${RETRY_SCHEDULE.join(',')})`);
    local = await startLocal(settings);
    const outputs: LocalOutputs = local.outputs;
    const dynamodb = new DynamoDBClient({ endpoint: outputs.awsEndpoint, region: outputs.region, credentials: LOCAL_CREDENTIALS });
    const events = new EventBridgeClient({ endpoint: outputs.awsEndpoint, region: outputs.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
    clients.push(dynamodb, events);
    if (options.dynamoDbWarmUpRequests > 0) {
      const warmUpMs = await warmDynamoDbLocal(dynamodb, Math.floor(options.dynamoDbWarmUpRequests / 3));
      say(`tenants: DynamoDB Local warmed up with ${options.dynamoDbWarmUpRequests} requests in ${(warmUpMs / 1000).toFixed(1)} s`);
    }

    // Accounts as an operator makes them (the admin CLI's own function, on this run's table).
    // Endpoints are made through the API (sealed there by the local KMS); this store makes accounts only.
    const store = new ManagementStore(dynamodb, outputs.tableName, 30, noEndpointSecrets('the chaos run'));
    const tenant = async (name: string): Promise<Tenant> => {
      const created = await createAccount(store, { name });
      return { name, accountId: created.accountId, api: new Api(outputs.apiUrl, created.apiKey) };
    };
    const noisy = await tenant('tenants noisy A');
    const quiet = await tenant('tenants quiet B');
    const limited = await tenant('tenants rate-limited C');
    const retrying = await tenant('tenants retried D');
    const register = async (owner: Tenant, receiver: ChaosReceiver, eventTypes: string[], extra: Record<string, unknown> = {}): Promise<Target> => {
      const body = { url: receiver.url, events: eventTypes, description: `chaos tenants ${receiver.scenario}`, ...extra };
      const created = await owner.api.call<{ id: string; secret: string }>('POST', '/v1/endpoints', body);
      if (created.status !== 201) throw new Error(`creating an endpoint for ${owner.name} answered ${created.status}: ${JSON.stringify(created.body)}`);
      receiver.secret = created.body.secret;
      return { tenant: owner, endpointId: created.body.id, receiver };
    };
    // The noisy account's two endpoints take different event types, so each burst reaches one of them.
    const slowTarget = await register(noisy, receivers.slow, ['click']);
    const fastTarget = await register(noisy, receivers.fast, ['conversion']);
    const quietTarget = await register(quiet, receivers.quiet, ['click']);
    const limitedTarget = await register(limited, receivers.rateLimited, ['click'], { rateLimit: RATE_LIMIT });
    const retriedTarget = await register(retrying, receivers.retried, ['click']);
    say(`tenants: accounts ${[noisy, quiet, limited, retrying].map((owner) => `${owner.name} ${owner.accountId}`).join(', ')}; waiting ${ACCOUNT_CACHE_WAIT_MS / 1000} s for the dispatcher's account cache`);
    await sleep(ACCOUNT_CACHE_WAIT_MS);

    const runId = Date.now();
    const detailOf = (owner: Tenant, type: string, eventId: string, index: number) =>
      JSON.stringify({ id: eventId, account_id: owner.accountId, data: type === 'conversion' ? conversionData(index) : clickData(index) });
    /** Publishes every event of `count` to `target` at once (10 per PutEvents call, several calls in flight). */
    const publishAll = async (target: Target, phase: string, type: string, count: number): Promise<Published> => {
      const record: Published = { target, phase, putAt: new Map(), failed: 0 };
      published.push(record);
      const entries = Array.from({ length: count }, (_, index) => {
        const eventId = `tenants-${runId}-${phase}-${index}`;
        return { eventId, entry: entryOf(outputs, type, detailOf(target.tenant, type, eventId, index)) };
      });
      const batches = Array.from({ length: Math.ceil(count / 10) }, (_, index) => entries.slice(index * 10, index * 10 + 10));
      await pool(batches, PUBLISH_CONCURRENCY, async (batch) => {
        const putAt = Date.now();
        record.failed += await putEntries(events, batch, (eventId) => record.putAt.set(eventId, putAt));
      });
      return record;
    };
    /** The quiet account: one click a second, each its own PutEvents call, until `stop` says so. */
    const publishQuietly = async (phase: string, stop: (sent: number, elapsedMs: number) => boolean): Promise<Published> => {
      const record: Published = { target: quietTarget, phase, putAt: new Map(), failed: 0 };
      published.push(record);
      const began = Date.now();
      const calls: Array<Promise<void>> = [];
      for (let index = 0; ; index += 1) {
        const due = began + index * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        if (stop(index, Date.now() - began)) break;
        const eventId = `tenants-${runId}-${phase}-quiet-${index}`;
        const putAt = Date.now();
        calls.push(
          putEntries(events, [{ eventId, entry: entryOf(outputs, 'click', detailOf(quiet, 'click', eventId, index)) }], () => record.putAt.set(eventId, putAt)).then((failed) => {
            record.failed += failed;
          }),
        );
      }
      await Promise.all(calls);
      return record;
    };
    const deliveryIdsOf = (record: Published) => [...record.putAt.keys()].map((eventId) => deliveryIdFor(record.target.tenant.accountId, eventId, record.target.endpointId));
    const answered = (record: Published) => allAnsweredAt(record.target.receiver.requests, deliveryIdsOf(record));
    const arrived = (record: Published) => {
      const seen = new Set(record.target.receiver.requests.map((request) => request.deliveryId));
      return deliveryIdsOf(record).filter((deliveryId) => seen.has(deliveryId)).length;
    };
    const okCount = (record: Published) => {
      const ok = new Set(record.target.receiver.requests.filter((request) => request.answer === 'ok').map((request) => request.deliveryId));
      return deliveryIdsOf(record).filter((deliveryId) => ok.has(deliveryId)).length;
    };
    const waitUntil = async (done: () => boolean, capMs: number, progress: () => string): Promise<boolean> => {
      const began = Date.now();
      let lastSaid = began;
      while (!done()) {
        if (Date.now() - began >= capMs) return false;
        await sleep(POLL_MS);
        if (Date.now() - lastSaid >= 10_000) {
          say(progress());
          lastSaid = Date.now();
        }
      }
      return true;
    };

    /** Deliveries of earlier phases not yet answered 2xx when each phase starts: what it shares the run with. */
    const backlogAtStart: Record<string, number> = {};
    const noteBacklog = (phase: string) => {
      backlogAtStart[phase] = published.reduce((sum, record) => sum + record.putAt.size - okCount(record), 0);
      if (backlogAtStart[phase] > 0) say(`${phase}: ${backlogAtStart[phase]} deliveries of earlier phases not answered 2xx yet`);
    };

    // 1. The quiet account alone.
    say(`baseline: the quiet account publishes one click a second for ${options.baselineSeconds} s`);
    const baseline = await publishQuietly('baseline', (sent) => sent >= Math.max(options.baselineSeconds, options.quietMinSamples));
    await waitUntil(() => arrived(baseline) === baseline.putAt.size, 30_000, () => `baseline: ${arrived(baseline)}/${baseline.putAt.size} quiet events received`);

    // 2 and 3. A burst from the noisy account, the quiet account publishing throughout.
    const burst = async (phase: string, target: Target, type: string): Promise<{ noisy: Published; quietEvents: Published; result: BurstResult }> => {
      noteBacklog(phase);
      say(`${phase}: the noisy account publishes ${options.burst} ${type} events at once to its ${target.receiver.scenario} endpoint; the quiet account one click a second`);
      const began = Date.now();
      let noisy: Published | undefined;
      let publishMs = 0;
      let drainedAt: number | undefined;
      const drained = () => {
        if (drainedAt === undefined && noisy !== undefined) drainedAt = answered(noisy);
        return drainedAt !== undefined;
      };
      const publishing = publishAll(target, phase, type, options.burst).then((record) => {
        noisy = record;
        publishMs = Date.now() - began;
        say(`${phase}: ${record.putAt.size} events published in ${(publishMs / 1000).toFixed(1)} s`);
      });
      const ticker = setInterval(() => {
        if (noisy) say(`${phase}: noisy ${okCount(noisy)}/${noisy.putAt.size} answered 2xx`);
      }, 10_000);
      let quietEvents: Published;
      try {
        quietEvents = await publishQuietly(phase, (sent, elapsedMs) => sent >= options.quietMinSamples && (drained() || elapsedMs >= options.quietMaxSeconds * 1000));
        await publishing;
      } finally {
        clearInterval(ticker);
      }
      const record = noisy!;
      const finished = await waitUntil(
        () => drained() && arrived(quietEvents) === quietEvents.putAt.size,
        options.drainWaitSeconds * 1000,
        () => `${phase}: noisy ${okCount(record)}/${record.putAt.size} answered 2xx, quiet ${arrived(quietEvents)}/${quietEvents.putAt.size} received`,
      );
      say(
        drainedAt !== undefined
          ? `${phase}: drained ${((drainedAt - began) / 1000).toFixed(1)} s after it started`
          : `${phase}: not drained after --drain-wait ${options.drainWaitSeconds} s (${okCount(record)}/${record.putAt.size} answered 2xx): the next phase starts anyway`,
      );
      if (!finished && drainedAt !== undefined) say(`${phase}: ${quietEvents.putAt.size - arrived(quietEvents)} quiet events not received yet`);
      return { noisy: record, quietEvents, result: { publishMs, ...(drainedAt === undefined ? {} : { drainMs: drainedAt - began }) } };
    };
    const slow = await burst('slow_burst', slowTarget, 'click');
    const fast = await burst('fast_burst', fastTarget, 'conversion');

    // 4. The rate-limited endpoint and the retried one, together (different accounts, neither timed against the quiet one).
    say(`rate limit and retries: ${options.rateLimitedEvents} events at once to an endpoint with rateLimit ${RATE_LIMIT}; ${options.retryEvents} to one that fails every first attempt (first retry ${RETRY_SCHEDULE[0]} s)`);
    noteBacklog('rate_limit_and_retries');
    const lastPhaseAt = Date.now();
    const [rateLimited, retried] = await Promise.all([
      publishAll(limitedTarget, 'rate_limited', 'click', options.rateLimitedEvents),
      publishAll(retriedTarget, 'retried', 'click', options.retryEvents),
    ]);
    await waitUntil(
      () => answered(rateLimited) !== undefined && answered(retried) !== undefined,
      options.lastPhaseWaitSeconds * 1000 - (Date.now() - lastPhaseAt),
      () => `rate limit and retries: rate-limited ${okCount(rateLimited)}/${rateLimited.putAt.size} answered 2xx, retried ${okCount(retried)}/${retried.putAt.size}`,
    );

    // Anything still open (a burst that had not drained), briefly; then the API's view of every delivery.
    await waitUntil(
      () => published.every((record) => answered(record) !== undefined),
      SETTLE_WAIT_MS,
      () => `settling: ${published.reduce((sum, record) => sum + okCount(record), 0)}/${published.reduce((sum, record) => sum + record.putAt.size, 0)} answered 2xx`,
    );
    await sleep(2000);
    say('reading every delivery from the API');
    const finals = new Map<string, FinalStatus | 'pending' | 'missing'>();
    for (const record of published) {
      const read = await readFinalStates(record.target.tenant.api, record.target.tenant.accountId, [...record.putAt.keys()], [record.target.endpointId], say);
      for (const [deliveryId, status] of read.finals) finals.set(deliveryId, status);
    }
    const measuredAt = Date.now();

    // The figures.
    const statusesOf = (records: Published[]) => records.flatMap((record) => deliveryIdsOf(record).map((deliveryId) => ({ deliveryId, record, status: finals.get(deliveryId) ?? 'missing' })));
    const everyDelivery = statusesOf(published);
    const okIds = new Set(Object.values(receivers).flatMap((receiver) => receiver.requests.filter((request) => request.answer === 'ok').map((request) => request.deliveryId)));
    const notFinal = everyDelivery.filter(({ status }) => status === 'pending' || status === 'missing');
    const lost = notFinal.filter(({ deliveryId }) => !okIds.has(deliveryId));
    const succeeded = (records: Published[]) => statusesOf(records).filter(({ status }) => status === 'succeeded').length;
    const quietEventsOf = (record: Published): QuietEvent[] => {
      const arrivals = new Map<string, number>();
      for (const request of record.target.receiver.requests) {
        const known = arrivals.get(request.deliveryId);
        if (known === undefined || request.receivedAt < known) arrivals.set(request.deliveryId, request.receivedAt);
      }
      return [...record.putAt].map(([eventId, putAt]) => {
        const arrivedAt = arrivals.get(deliveryIdFor(record.target.tenant.accountId, eventId, record.target.endpointId));
        return arrivedAt === undefined ? { putAt } : { putAt, arrivedAt };
      });
    };
    const quietLatency = (record: Published) => latencySummary(quietEventsOf(record), measuredAt);
    const quietBaseline = quietLatency(baseline);
    const quietSlow = quietLatency(slow.quietEvents);
    const quietFast = quietLatency(fast.quietEvents);
    const quietUnderBursts = latencySummary([...quietEventsOf(slow.quietEvents), ...quietEventsOf(fast.quietEvents)], measuredAt);
    const noisyExpected = slow.noisy.putAt.size + fast.noisy.putAt.size;
    const noisyDelivered = succeeded([slow.noisy, fast.noisy]);
    const rateLimitedIds = new Set(deliveryIdsOf(rateLimited));
    const rateLimitedArrivals = receivers.rateLimited.requests.filter((request) => rateLimitedIds.has(request.deliveryId)).map((request) => request.receivedAt);
    const rateLimitedDelivered = succeeded([rateLimited]);
    const rateLimitedMaxIn1s = maxInSlidingWindow(rateLimitedArrivals, 1000);
    const retriedIds = new Set(deliveryIdsOf(retried));
    const gaps = gapSummary(retryGapsMs(receivers.retried.requests.filter((request) => retriedIds.has(request.deliveryId))));
    const targets = tenantTargets({
      quietP99MsBaseline: quietBaseline.p99Ms,
      quietP99MsSlowBurst: quietSlow.p99Ms,
      quietP99MsFastBurst: quietFast.p99Ms,
      noisyDelivered,
      noisyExpected,
      lost: lost.length,
      rateLimit: RATE_LIMIT,
      rateLimitedExpected: rateLimited.putAt.size,
      rateLimitedDelivered,
      rateLimitedMaxIn1s,
      firstRetrySeconds: RETRY_SCHEDULE[0]!,
      retryExpected: retried.putAt.size,
      retryGaps: gaps,
    });
    const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 100) / 10);
    const report = {
      scenario: 'tenants',
      quiet_p50_ms: quietUnderBursts.p50Ms,
      quiet_p99_ms: quietUnderBursts.p99Ms,
      quiet_p99_ms_baseline: quietBaseline.p99Ms,
      quiet_p99_ms_slow_burst: quietSlow.p99Ms,
      quiet_p99_ms_fast_burst: quietFast.p99Ms,
      quiet_p50_ms_baseline: quietBaseline.p50Ms,
      quiet_p50_ms_slow_burst: quietSlow.p50Ms,
      quiet_p50_ms_fast_burst: quietFast.p50Ms,
      quiet_max_ms: { baseline: quietBaseline.maxMs, slow_burst: quietSlow.maxMs, fast_burst: quietFast.maxMs },
      quiet_samples: { baseline: quietBaseline.samples, slow_burst: quietSlow.samples, fast_burst: quietFast.samples },
      quiet_not_received: quietBaseline.notReceived + quietUnderBursts.notReceived,
      noisy_delivered: noisyDelivered,
      noisy_expected: noisyExpected,
      noisy_publish_s: { slow_burst: seconds(slow.result.publishMs), fast_burst: seconds(fast.result.publishMs) },
      // From the start of the burst to its last 2xx; null: not drained within the phase.
      noisy_drain_s: { slow_burst: seconds(slow.result.drainMs), fast_burst: seconds(fast.result.drainMs) },
      noisy_requests: { slow_burst: receivers.slow.requests.length, fast_burst: receivers.fast.requests.length },
      noisy_slow_timed_out: receivers.slow.requests.filter((request) => request.answer === 'hung').length,
      // Earlier phases' deliveries still unanswered when a phase started (a burst that had not drained).
      backlog_at_phase_start: backlogAtStart,
      lost: lost.length,
      not_final: notFinal.length,
      expected_deliveries: everyDelivery.length,
      rate_limit: RATE_LIMIT,
      rate_limited_expected: rateLimited.putAt.size,
      rate_limited_delivered: rateLimitedDelivered,
      rate_limited_max_in_1s: rateLimitedMaxIn1s,
      rate_limited_requests: rateLimitedArrivals.length,
      rate_limited_span_s: rateLimitedArrivals.length === 0 ? 0 : seconds(Math.max(...rateLimitedArrivals) - Math.min(...rateLimitedArrivals)),
      retry_gap_min_s: gaps.minS,
      retry_gap_p10_s: gaps.p10S,
      retry_gap_p50_s: gaps.p50S,
      retry_gap_p90_s: gaps.p90S,
      retry_gap_max_s: gaps.maxS,
      retry_gaps_measured: gaps.measured,
      retry_expected: retried.putAt.size,
      targets_met: targets,
      publish_failed: published.reduce((sum, record) => sum + record.failed, 0),
      signatures_failed: Object.values(receivers).reduce((sum, receiver) => sum + receiver.requests.filter((request) => !request.verified).length, 0),
      local_run_error_lines: local.notable.length,
      duration_s: Math.round((Date.now() - startedAt) / 1000),
      settings: {
        delivery_timeout_ms: DELIVERY_TIMEOUT_MS,
        retry_schedule_s: RETRY_SCHEDULE,
        burst_events: options.burst,
        slow_answer_ms: options.slowAnswerMs,
        baseline_s: options.baselineSeconds,
        quiet_max_s: options.quietMaxSeconds,
        quiet_min_samples: options.quietMinSamples,
        drain_wait_s: options.drainWaitSeconds,
        last_phase_wait_s: options.lastPhaseWaitSeconds,
      },
    };
    if (options.keepLogDir) {
      const rows = published.filter((record) => record.target === quietTarget).flatMap((record) => quietEventsOf(record).map((event) => JSON.stringify({ phase: record.phase, ...event })));
      writeFileSync(join(options.keepLogDir, 'tenants-quiet-latencies.jsonl'), rows.join('\n') + '\n');
    }
    if (!options.json) {
      for (const line of local.notable.slice(0, 20)) say(`local run: ${line.slice(0, 300)}`);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    for (const client of clients) client.destroy();
    await local?.stop();
    await Promise.all(Object.values(receivers).map((receiver) => receiver.close()));
    if (options.keepLogDir) {
      const receipts = Object.entries(receivers).flatMap(([name, receiver]) => receiver.requests.map((request) => JSON.stringify({ receiver: name, ...request })));
      writeFileSync(join(options.keepLogDir, 'tenants-receipts.jsonl'), receipts.join('\n') + '\n');
    }
    rmSync(workDir, { recursive: true, force: true });
  }
}

function entryOf(outputs: LocalOutputs, type: string, detail: string): PutEventsRequestEntry {
  return { EventBusName: outputs.eventBusName, Source: outputs.eventSource, DetailType: type, Detail: detail };
}

/**
 * One PutEvents call for `entries`, then again for the entries it refused (up to 5 calls);
 * `accepted` is told of each entry PutEvents took. Returns how many it never took.
 */
async function putEntries(events: EventBridgeClient, entries: ReadonlyArray<{ eventId: string; entry: PutEventsRequestEntry }>, accepted: (eventId: string) => void): Promise<number> {
  let left = [...entries];
  for (let attempt = 1; attempt <= 5 && left.length > 0; attempt += 1) {
    try {
      const result = await events.send(new PutEventsCommand({ Entries: left.map(({ entry }) => entry) }));
      const refused = left.filter((_, index) => result.Entries?.[index]?.ErrorCode !== undefined || result.Entries?.[index]?.EventId === undefined);
      for (const item of left) if (!refused.includes(item)) accepted(item.eventId);
      left = refused;
    } catch {
      // The whole call failed: every entry is tried again.
    }
    if (left.length > 0) await sleep(200 * attempt);
  }
  return left.length;
}

function conversionData(index: number): Record<string, unknown> {
  return {
    conversion_id: `tenants${String(index).padStart(8, '0')}`,
    click_id: `chaos${String(index).padStart(8, '0')}`,
    link_id: 42,
    link_slug: 'chaos-offer',
    revenue: 19.9,
    currency: 'USD',
    country: 'US',
    device: 'mobile',
  };
}
