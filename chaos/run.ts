// `npm run chaos [-- --events 3000 --endpoints 10 --rate 8 --json]`: the local run (real bundles,
// queues, schedules, DynamoDB Local) under faults, and what survived them. See chaos/README.md
// for every fault and every figure. The last line of stdout is one JSON object.
// `npm run chaos -- --scenario tenants [--json]` runs chaos/tenants.ts instead (tenant isolation,
// the rate limit, retry jitter); `--scenario faults` is the default, this file's run.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { warmDynamoDbLocal } from '../local/dynamodb-warm-up';
import type { LocalOutputs } from '../local/outputs';
import { deliveryIdFor } from '../lambdas/domain/ids';
import { SQS_MAX_DELAY_SECONDS } from '../lambdas/adapters/retry-scheduler';
import { Api, clickData, readFinalStates } from './api';
import { control, dispatcherWorkerPids, LOCAL_CREDENTIALS, localRunSettings, type RunningLocal, startLocal } from './local-run';
import {
  checkRetrySchedule,
  type ClockAdvance,
  countDuplicates,
  type Disruption,
  type EndpointRecord,
  type FinalStatus,
  percentile,
  sendsExposedToDisruptions,
  sentWhileDisabled,
} from './metrics';
import { type ChaosReceiver, type Scenario, startChaosReceiver } from './receivers';
import { runTenants } from './tenants';

interface Options {
  events: number;
  endpoints: number;
  /** Events published per second. */
  rate: number;
  baselineEvents: number;
  baseline: boolean;
  /** The baseline without the AWS errors too (the chaos run's faults all left out). */
  quietBaseline: boolean;
  json: boolean;
  /** Stop waiting for final states after this long (the run then reports what is not final as lost). */
  maxWaitSeconds: number;
  /** A folder to keep each run's whole local-run log and every receipt in (for tracing a figure). */
  keepLogDir?: string;
  /** Requests sent to DynamoDB Local before each run publishes (0: none). */
  dynamoDbWarmUpRequests: number;
}

const RETRY_SCHEDULE = [1, 2, 3, 4, 901];
const DELIVERY_TIMEOUT_MS = 2000;
/** A claim on an attempt lasts the delivery timeout plus 30 s (lambdas/delivery); released messages must find it expired. */
const LEASE_MS = DELIVERY_TIMEOUT_MS + 30_000;
/** The template's dispatcher timeout (60 s) plus margin: a batch received longer ago than this is no longer running. */
const STALE_BATCH_MS = 70_000;
const SCHEDULE_SLACK_MS = 5000;
const DISABLED_SLACK_MS = 1000;
/** A send that reached its receiver this long before a kill may not have been recorded yet. */
const RECORD_WINDOW_MS = 5000;
const FAULTY_SCENARIOS: Scenario[] = ['flaky-5xx', 'hanging', 'retry-after-429', 'reset', 'gone-410'];

const startedAt = Date.now();
const say = (line: string) => process.stdout.write(`[chaos ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { events: 3000, endpoints: 10, rate: 8, baselineEvents: 0, baseline: true, quietBaseline: false, json: false, maxWaitSeconds: 240, dynamoDbWarmUpRequests: 1500 };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const value = () => {
      const next = Number(argv[(index += 1)]);
      if (!Number.isFinite(next) || next <= 0) throw new Error(`${arg} needs a positive number`);
      return next;
    };
    if (arg === '--events') options.events = Math.round(value());
    else if (arg === '--endpoints') options.endpoints = Math.round(value());
    else if (arg === '--rate') options.rate = value();
    else if (arg === '--baseline-events') options.baselineEvents = Math.round(value());
    else if (arg === '--max-wait') options.maxWaitSeconds = value();
    else if (arg === '--no-baseline') options.baseline = false;
    else if (arg === '--quiet-baseline') options.quietBaseline = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--keep-log') {
      const folder = argv[(index += 1)];
      if (!folder) throw new Error('--keep-log needs a folder');
      options.keepLogDir = folder;
    }
    else if (arg === '--dynamodb-warm-up') options.dynamoDbWarmUpRequests = Math.round(value());
    else if (arg === '--no-dynamodb-warm-up') options.dynamoDbWarmUpRequests = 0;
    else throw new Error(`unknown argument ${arg}\nusage: npm run chaos -- [--events N] [--endpoints N] [--rate EVENTS_PER_S] [--baseline-events N] [--max-wait S] [--no-baseline] [--quiet-baseline] [--dynamodb-warm-up N | --no-dynamodb-warm-up] [--keep-log DIR] [--json]`);
  }
  if (options.endpoints < 2) throw new Error('--endpoints must be at least 2 (one healthy, one faulty)');
  options.baselineEvents ||= Math.min(options.events, Math.max(100, Math.round(options.events / 3)));
  return options;
}

/** One healthy endpoint at least; then one of each faulty kind while there is room; the rest healthy. */
function scenariosFor(count: number): Scenario[] {
  const faulty = FAULTY_SCENARIOS.slice(0, Math.min(FAULTY_SCENARIOS.length, count - 1));
  return [...faulty, ...Array.from({ length: count - faulty.length }, () => 'healthy' as const)];
}

// --- one run ---------------------------------------------------------------------------------

interface RunPlan {
  readonly label: string;
  readonly scenarios: Scenario[];
  readonly events: number;
  readonly rate: number;
  /** Errors injected into the AWS endpoint's DynamoDB, SQS and Scheduler answers. */
  readonly awsFaults: boolean;
  /** Worker kills and the --persist restart. */
  readonly disruptions: boolean;
  readonly maxWaitSeconds: number;
  readonly keepLogDir?: string;
  readonly dynamoDbWarmUpRequests: number;
}

interface RunResult {
  readonly endpoints: Array<EndpointRecord & { receiver: ChaosReceiver }>;
  readonly accountId: string;
  readonly eventIds: string[];
  readonly putAt: Map<string, number>;
  readonly finals: Map<string, FinalStatus | 'pending' | 'missing'>;
  /** Succeeded attempts each delivery's log records (a receiver's 2xx beyond these were never recorded). */
  readonly recordedSuccesses: Map<string, number>;
  readonly disruptions: Disruption[];
  readonly advances: ClockAdvance[];
  readonly injected: Record<string, number>;
  readonly deadLetters: number;
  readonly notable: string[];
  readonly killedWorkers: number;
  readonly waitedMs: number;
  /** The wait for final states hit --max-wait. */
  readonly waitedOut: boolean;
}

async function runOnce(plan: RunPlan): Promise<RunResult> {
  const workDir = mkdtempSync(join(tmpdir(), `georedir-chaos-${plan.label}-`));
  // Receivers listen first: a port picked for the local run, then taken by a receiver, fails its start.
  const receivers = await Promise.all(plan.scenarios.map((scenario) => startChaosReceiver(scenario)));
  const settings = await localRunSettings({
    workDir,
    label: plan.label,
    retrySchedule: RETRY_SCHEDULE,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    log: say,
    ...(plan.keepLogDir ? { keepLogDir: plan.keepLogDir } : {}),
  });
  let local: RunningLocal | undefined;
  const notable: string[] = [];
  try {
    say(`${plan.label}: starting the local run (--persist ${settings.persistDir})`);
    local = await startLocal(settings);
    const outputs: LocalOutputs = local.outputs;
    // Both runs start with a warm DynamoDB Local: its JIT is the emulator's, not something the faulty endpoints do.
    if (plan.dynamoDbWarmUpRequests > 0) {
      const warmUpMs = await warmDynamoDbLocal(
        new DynamoDBClient({ endpoint: outputs.awsEndpoint, region: outputs.region, credentials: LOCAL_CREDENTIALS }),
        Math.floor(plan.dynamoDbWarmUpRequests / 3),
      );
      say(`${plan.label}: DynamoDB Local warmed up with ${plan.dynamoDbWarmUpRequests} requests in ${(warmUpMs / 1000).toFixed(1)} s`);
    }
    const api = new Api(outputs.apiUrl, outputs.apiKey);
    const endpointIds: string[] = [];
    for (const receiver of receivers) {
      const created = await api.call<{ id: string; secret: string }>('POST', '/v1/endpoints', { url: receiver.url, events: ['*'], description: `chaos ${receiver.scenario}` });
      if (created.status !== 201) throw new Error(`creating an endpoint answered ${created.status}: ${JSON.stringify(created.body)}`);
      receiver.secret = created.body.secret;
      endpointIds.push(created.body.id);
    }
    say(`${plan.label}: ${receivers.length} endpoints (${plan.scenarios.join(', ')}); publishing ${plan.events} events at ${plan.rate}/s`);

    const publishMs = (plan.events / plan.rate) * 1000;
    const publishStart = Date.now() + 1000;
    const at = (fraction: number) => publishStart + fraction * publishMs;
    // Receiver misbehaviour windows, in wall-clock time over the publishing phase.
    for (const receiver of receivers) {
      if (receiver.scenario === 'flaky-5xx') receiver.window = { from: at(0.15), until: at(0.15) + 10_000 };
      if (receiver.scenario === 'hanging') receiver.window = { from: at(0.35), until: at(0.35) + 15_000 };
      if (receiver.scenario === 'gone-410') receiver.window = { from: at(0.3), until: Number.POSITIVE_INFINITY };
    }
    // Producer events and retries: the dispatcher consumes both queues.
    const queueUrls = [outputs.dispatchQueueUrl, outputs.retryQueueUrl];
    const expireInFlight = async (receivedBefore: number): Promise<number> => {
      let released = 0;
      for (const url of queueUrls) {
        const result = await control(local!.outputs.awsEndpoint, 'POST', '/_local/sqs/expire-in-flight', { queue: url.split('/').at(-1)!, receivedBefore: new Date(receivedBefore).toISOString() });
        released += Number(result.released);
      }
      return released;
    };
    const faultRules: Array<Record<string, unknown>> = [];
    const injected: Record<string, number> = {};
    const collectInjected = async (endpoint: string) => {
      const state = await control(endpoint, 'GET', '/_local/faults');
      for (const [key, count] of Object.entries((state.injected ?? {}) as Record<string, number>)) injected[key] = (injected[key] ?? 0) + count;
    };
    if (plan.awsFaults) {
      const until = new Date(at(0.9)).toISOString();
      for (const rule of [
        { service: 'dynamodb', rate: 0.03, code: 'throttle' },
        { service: 'dynamodb', rate: 0.01, code: '500' },
        { service: 'sqs', rate: 0.03, code: 'throttle' },
        { service: 'sqs', rate: 0.01, code: '500' },
        { service: 'scheduler', rate: 0.2, code: 'throttle' },
        { service: 'scheduler', rate: 0.05, code: '500' },
      ]) {
        faultRules.push({ ...rule, until });
        await control(outputs.awsEndpoint, 'POST', '/_local/faults', { ...rule, until });
      }
      say(`${plan.label}: AWS faults on from the start until ${until} (see /_local/faults)`);
    }

    const progress = (what: string) => {
      const received = receivers.reduce((sum, receiver) => sum + receiver.requests.length, 0);
      const ok = receivers.reduce((sum, receiver) => sum + receiver.requests.filter((request) => request.answer === 'ok').length, 0);
      say(`${what}; receivers got ${received} requests, ${ok} answered 2xx`);
    };

    // Publishing, paused while the run restarts.
    const eventIds = Array.from({ length: plan.events }, (_, index) => `chaos-${plan.label}-${startedAt}-${index}`);
    const putAt = new Map<string, number>();
    let paused: Promise<void> | undefined;
    let events = new EventBridgeClient({ endpoint: outputs.awsEndpoint, region: outputs.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 10 });
    const publisher = (async () => {
      const batch = 10;
      for (let index = 0; index < eventIds.length; index += batch) {
        const due = publishStart + (index / plan.rate) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        while (paused) await paused;
        const ids = eventIds.slice(index, index + batch);
        const entries: PutEventsRequestEntry[] = ids.map((id, offset) => ({
          EventBusName: outputs.eventBusName,
          Source: outputs.eventSource,
          DetailType: 'click',
          Detail: JSON.stringify({ id, account_id: outputs.accountId, data: clickData(index + offset) }),
        }));
        const now = Date.now();
        for (const id of ids) putAt.set(id, now);
        for (let attempt = 1; ; attempt += 1) {
          try {
            const result = await events.send(new PutEventsCommand({ Entries: entries }));
            if ((result.FailedEntryCount ?? 0) > 0) throw new Error(`${result.FailedEntryCount} entries failed`);
            break;
          } catch (error) {
            if (attempt >= 20) throw error;
            while (paused) await paused;
            await sleep(500);
          }
        }
        if (index % 500 === 0 && index > 0) progress(`${plan.label}: published ${index}/${plan.events}`);
      }
    })();

    // Kills and the restart, on a timeline over the publishing phase.
    const disruptions: Disruption[] = [];
    const releases: Array<Promise<void>> = [];
    let killedWorkers = 0;
    const release = (label: string, receivedBefore: number) =>
      releases.push(
        (async () => {
          // As in AWS, the message comes back only after the dead holder's claim has lapsed.
          await sleep(Math.max(0, receivedBefore + LEASE_MS + 2000 - Date.now()));
          const released = await expireInFlight(receivedBefore);
          say(`${label}: ${released} in-flight messages released (their visibility timeout fast-forwarded)`);
        })(),
      );
    const timeline = plan.disruptions
      ? (async () => {
          for (const step of [
            { fraction: 0.2, kind: 'kill' },
            { fraction: 0.45, kind: 'kill' },
            { fraction: 0.55, kind: 'restart' },
            { fraction: 0.7, kind: 'kill' },
            { fraction: 0.85, kind: 'kill' },
          ] as const) {
            await sleep(Math.max(0, at(step.fraction) - Date.now()));
            if (step.kind === 'kill') {
              const pids = dispatcherWorkerPids(local!.child.pid!);
              const killAt = Date.now();
              for (const pid of pids) process.kill(pid, 'SIGKILL');
              killedWorkers += pids.length;
              say(`${plan.label}: SIGKILL to ${pids.length} dispatcher workers (${pids.join(', ')})`);
              disruptions.push({ kind: 'kill', at: killAt, until: killAt + LEASE_MS + 2000 });
              release(`kill at ${new Date(killAt).toISOString()}`, killAt);
            } else {
              let resume: () => void = () => undefined;
              paused = new Promise<void>((resolve) => (resume = resolve));
              const stopAt = Date.now();
              say(`${plan.label}: stopping the whole run (SIGTERM) to restart it with --persist`);
              notable.push(...local!.notable);
              await collectInjected(local!.outputs.awsEndpoint);
              await local!.stop();
              local = await startLocal(settings);
              // Fault rules live in the endpoint's memory: the restarted one gets them again.
              for (const rule of faultRules) await control(local.outputs.awsEndpoint, 'POST', '/_local/faults', rule);
              say(`${plan.label}: restarted in ${((Date.now() - stopAt) / 1000).toFixed(1)} s`);
              events.destroy();
              events = new EventBridgeClient({ endpoint: local.outputs.awsEndpoint, region: local.outputs.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 10 });
              paused = undefined;
              resume();
              disruptions.push({ kind: 'restart', at: stopAt, until: Math.max(Date.now(), stopAt + LEASE_MS + 2000) });
              release('restart', stopAt);
            }
          }
        })()
      : Promise.resolve();

    const ticker = setInterval(() => progress(`${plan.label}: publishing`), 15_000);
    try {
      await Promise.all([publisher, timeline]);
    } finally {
      clearInterval(ticker);
    }
    progress(`${plan.label}: all ${plan.events} events published`);
    await Promise.all(releases);

    // Wait until nothing is queued, delayed, in flight or scheduled; fire the long (Scheduler) retries by advancing the clock.
    const waitStart = Date.now();
    const advances: ClockAdvance[] = [];
    const sqs = new SQSClient({ endpoint: local.outputs.awsEndpoint, region: local.outputs.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 10 });
    const scheduler = new SchedulerClient({ endpoint: local.outputs.awsEndpoint, region: local.outputs.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 10 });
    let quietChecks = 0;
    let lastReceived = -1;
    let lastActivity = Date.now();
    try {
      while (Date.now() - waitStart < plan.maxWaitSeconds * 1000) {
        await sleep(5000);
        const queues = await Promise.all(queueUrls.map(async (url) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {}));
        const total = (name: 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible' | 'ApproximateNumberOfMessagesDelayed') => queues.reduce((sum, attributes) => sum + Number(attributes[name] ?? 0), 0);
        const visible = total('ApproximateNumberOfMessages');
        const inFlight = total('ApproximateNumberOfMessagesNotVisible');
        const delayed = total('ApproximateNumberOfMessagesDelayed');
        const schedules = (await scheduler.send(new ListSchedulesCommand({ GroupName: local.outputs.scheduleGroupName, MaxResults: 100 }))).Schedules?.length ?? 0;
        const received = receivers.reduce((sum, receiver) => sum + receiver.requests.length, 0);
        if (received !== lastReceived) lastActivity = Date.now();
        lastReceived = received;
        progress(`${plan.label}: waiting: queues ${visible} visible, ${delayed} delayed, ${inFlight} in flight, ${schedules} retry schedules`);
        if (visible + delayed === 0 && inFlight > 0 && Date.now() - lastActivity > 15_000) {
          // Left in flight by a failed DeleteMessageBatch (injected SQS faults) or a kill: no live batch is that old.
          say(`${plan.label}: released ${await expireInFlight(Date.now() - STALE_BATCH_MS)} messages left in flight`);
        }
        if (visible + delayed + inFlight === 0 && schedules > 0 && Date.now() - lastActivity > 5000) {
          const ms = (Math.max(...RETRY_SCHEDULE) + 5) * 1000;
          await control(local.outputs.awsEndpoint, 'POST', '/_local/clock', { advanceSeconds: ms / 1000 });
          advances.push({ at: Date.now(), ms });
          say(`${plan.label}: ${schedules} Scheduler retries pending: AWS endpoint clock advanced ${ms / 1000} s to fire them`);
          quietChecks = 0;
          continue;
        }
        quietChecks = visible + delayed + inFlight + schedules === 0 && Date.now() - lastActivity > 3000 ? quietChecks + 1 : 0;
        if (quietChecks >= 2) break;
      }
    } finally {
      sqs.destroy();
      scheduler.destroy();
    }
    const waitedMs = Date.now() - waitStart;
    const waitedOut = quietChecks < 2;
    if (waitedOut) say(`${plan.label}: still busy after --max-wait ${plan.maxWaitSeconds} s: what is not final now counts as lost`);

    // The API's view of every expected delivery.
    say(`${plan.label}: reading every delivery from the API`);
    const api2 = new Api(local.outputs.apiUrl, local.outputs.apiKey);
    const { finals, recordedSuccesses } = await readFinalStates(api2, outputs.accountId, eventIds, endpointIds, say);
    const records: Array<EndpointRecord & { receiver: ChaosReceiver }> = [];
    for (const [index, receiver] of receivers.entries()) {
      const endpoint = await api2.call<{ status: string; disabledAt?: string }>('GET', `/v1/endpoints/${endpointIds[index]}`);
      records.push({
        endpointId: endpointIds[index]!,
        scenario: receiver.scenario,
        requests: receiver.requests,
        receiver,
        ...(endpoint.body.disabledAt ? { disabledAt: Date.parse(endpoint.body.disabledAt) } : {}),
      });
    }
    if (plan.awsFaults) await collectInjected(local.outputs.awsEndpoint);
    let deadLetters = 0;
    if (local.outputs.dispatchDeadLetterQueueUrl) {
      const dlq = new SQSClient({ endpoint: local.outputs.awsEndpoint, region: local.outputs.region, credentials: LOCAL_CREDENTIALS });
      const attributes = (await dlq.send(new GetQueueAttributesCommand({ QueueUrl: local.outputs.dispatchDeadLetterQueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
      deadLetters = Number(attributes.ApproximateNumberOfMessages ?? 0) + Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
      dlq.destroy();
    }
    events.destroy();
    notable.push(...local.notable);
    return {
      endpoints: records,
      accountId: outputs.accountId,
      eventIds,
      putAt,
      finals,
      recordedSuccesses,
      disruptions,
      advances,
      injected,
      deadLetters,
      notable,
      killedWorkers,
      waitedMs,
      waitedOut,
    };
  } finally {
    await local?.stop();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    if (plan.keepLogDir) {
      const receipts = receivers.flatMap((receiver) => receiver.requests.map((request) => JSON.stringify({ scenario: receiver.scenario, ...request })));
      writeFileSync(join(plan.keepLogDir, `${plan.label}-receipts.jsonl`), receipts.join('\n') + '\n');
    }
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** PutEvents-to-first-receipt on the healthy endpoints, leaving out events published near a kill or restart. */
interface EventLatencies {
  readonly eventId: string;
  readonly putAt: number;
  readonly nearKill: boolean;
  /** PutEvents to the first request, per healthy endpoint that got the event. */
  readonly latencies: number[];
}

function healthyLatencies(result: RunResult): { p99: number; p99AwayFromKills: number; samples: number; samplesAwayFromKills: number; excluded: number; events: EventLatencies[] } {
  const latencies: number[] = [];
  const awayFromKills: number[] = [];
  const events: EventLatencies[] = [];
  let excluded = 0;
  const healthy = result.endpoints.filter((endpoint) => endpoint.scenario === 'healthy');
  const firstReceipt = new Map<string, number>();
  for (const endpoint of healthy) {
    for (const request of endpoint.requests) {
      const known = firstReceipt.get(request.deliveryId);
      if (known === undefined || request.receivedAt < known) firstReceipt.set(request.deliveryId, request.receivedAt);
    }
  }
  for (const eventId of result.eventIds) {
    const putAt = result.putAt.get(eventId);
    if (putAt === undefined) continue;
    const nearKill = result.disruptions.some((disruption) => putAt >= disruption.at - 10_000 && putAt <= disruption.until);
    if (nearKill) excluded += healthy.length;
    const own: number[] = [];
    for (const endpoint of healthy) {
      const received = firstReceipt.get(deliveryIdFor(result.accountId, eventId, endpoint.endpointId));
      if (received === undefined) continue;
      own.push(received - putAt);
      latencies.push(received - putAt);
      if (!nearKill) awayFromKills.push(received - putAt);
    }
    events.push({ eventId, putAt, nearKill, latencies: own });
  }
  return { p99: percentile(latencies, 99), p99AwayFromKills: percentile(awayFromKills, 99), samples: latencies.length, samplesAwayFromKills: awayFromKills.length, excluded, events };
}

/** With --keep-log: every event's healthy latencies, to see when the slow ones were published. */
function keepLatencies(options: Options, label: string, events: readonly EventLatencies[]): void {
  if (!options.keepLogDir) return;
  writeFileSync(join(options.keepLogDir, `${label}-healthy-latencies.jsonl`), events.map((event) => JSON.stringify(event)).join('\n') + '\n');
}

/** `--scenario NAME` (faults, the default, or tenants) and the other arguments, which are that scenario's. */
function scenarioOf(argv: readonly string[]): { scenario: 'faults' | 'tenants'; rest: string[] } {
  const at = argv.indexOf('--scenario');
  if (at < 0) return { scenario: 'faults', rest: [...argv] };
  const scenario = argv[at + 1];
  if (scenario !== 'faults' && scenario !== 'tenants') throw new Error('--scenario must be faults (the default) or tenants');
  return { scenario, rest: [...argv.slice(0, at), ...argv.slice(at + 2)] };
}

async function main(): Promise<void> {
  const { scenario, rest } = scenarioOf(process.argv.slice(2));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (scenario === 'tenants') return runTenants(rest, say);
  const options = parseOptions(rest);
  if (options.keepLogDir) mkdirSync(options.keepLogDir, { recursive: true });
  const scenarios = scenariosFor(options.endpoints);

  let baselineP99: number | undefined;
  let baselineSamples = 0;
  // What both runs share besides the load: the warm-up, and where their logs are kept.
  const common = { dynamoDbWarmUpRequests: options.dynamoDbWarmUpRequests, ...(options.keepLogDir ? { keepLogDir: options.keepLogDir } : {}) };
  if (options.baseline) {
    const baseline = await runOnce({
      ...common,
      label: 'baseline',
      // As many endpoints as the chaos run, all healthy: the same load, without the faulty ones.
      scenarios: Array.from({ length: options.endpoints }, () => 'healthy' as const),
      events: options.baselineEvents,
      rate: options.rate,
      // The same AWS errors, so the comparison isolates what the faulty endpoints do to the healthy ones.
      awsFaults: !options.quietBaseline,
      disruptions: false,
      maxWaitSeconds: 120,
    });
    const baselineLatencies = healthyLatencies(baseline);
    keepLatencies(options, 'baseline', baselineLatencies.events);
    baselineP99 = baselineLatencies.p99;
    baselineSamples = baselineLatencies.samples;
    say(`baseline: healthy p99 ${baselineP99} ms over ${options.baselineEvents} events x ${options.endpoints} endpoints`);
  }

  const result = await runOnce({ label: 'chaos', scenarios, events: options.events, rate: options.rate, awsFaults: true, disruptions: true, maxWaitSeconds: options.maxWaitSeconds, ...common });
  const expected = options.events * options.endpoints;
  const statuses = [...result.finals.values()];
  const delivered = statuses.filter((status) => status === 'succeeded').length;
  const failedFinal = statuses.filter((status) => status === 'failed').length;
  const skipped = statuses.filter((status) => status === 'skipped').length;
  const duplicates = countDuplicates(result.endpoints, result.disruptions, RECORD_WINDOW_MS, result.recordedSuccesses);
  const disabled = sentWhileDisabled(result.endpoints, DISABLED_SLACK_MS);
  const schedule = checkRetrySchedule(
    result.endpoints,
    { retrySchedule: RETRY_SCHEDULE, sqsMaxDelaySeconds: SQS_MAX_DELAY_SECONDS, slackMs: SCHEDULE_SLACK_MS, earlyToleranceMs: 50 },
    result.disruptions,
    result.advances,
  );
  const healthy = healthyLatencies(result);
  keepLatencies(options, 'chaos', healthy.events);
  const unverified = result.endpoints.reduce((sum, endpoint) => sum + endpoint.requests.filter((request) => !request.verified).length, 0);

  const report = {
    events: options.events,
    endpoints: options.endpoints,
    expected_deliveries: expected,
    delivered,
    failed_final: failedFinal,
    skipped_disabled: skipped,
    lost: expected - delivered - failedFinal - skipped,
    lost_still_pending: statuses.filter((status) => status === 'pending').length,
    lost_never_created: statuses.filter((status) => status === 'missing').length,
    wait_hit_max_wait: result.waitedOut,
    duplicates_seen: duplicates.duplicates,
    duplicates_explained_by_kills: duplicates.explainedByDisruption,
    // A 2xx send its dispatcher never recorded (it died, or its write failed for good, in between),
    // so the delivery was sent again: the at-least-once case. Recorded twice would be a bug.
    duplicates_unrecorded_send: duplicates.unrecordedSend,
    duplicates_recorded_twice: duplicates.recordedTwice,
    kills_mid_send: sendsExposedToDisruptions(result.endpoints, result.disruptions, RECORD_WINDOW_MS),
    sent_while_disabled: disabled.count,
    sent_while_disabled_by_scenario: disabled.byScenario,
    disabled_slack_ms: DISABLED_SLACK_MS,
    // Late: more than retry_slack_ms after due, except a retry due while a killed worker's messages were
    // held that came within retry_slack_ms of their release (retries_held_by_killed_worker).
    retries_off_schedule: schedule.early + schedule.late,
    retries_checked: schedule.checked,
    retries_early: schedule.early,
    retries_late: schedule.late,
    retries_late_across_kill_or_restart: schedule.lateAcrossDisruption,
    retries_held_by_killed_worker: schedule.heldByKilledWorker,
    retry_lateness_ms: schedule.lateness,
    retry_slack_ms: SCHEDULE_SLACK_MS,
    retry_examples: schedule.examples,
    // Events published from 10 s before a kill or the restart until its messages were released wait for
    // the dead worker whatever the endpoints do: left out here (the baseline has no kills), kept in _all_events.
    healthy_p99_ms: healthy.p99AwayFromKills,
    healthy_p99_ms_baseline: baselineP99 ?? null,
    healthy_p99_ms_all_events: healthy.p99,
    healthy_samples: healthy.samplesAwayFromKills,
    healthy_samples_baseline: baselineSamples,
    healthy_samples_near_kills: healthy.excluded,
    endpoints_disabled: Object.fromEntries(
      result.endpoints.filter((endpoint) => endpoint.disabledAt !== undefined).map((endpoint) => [endpoint.scenario, new Date(endpoint.disabledAt!).toISOString()]),
    ),
    requests_by_scenario: Object.fromEntries(result.endpoints.map((endpoint) => [endpoint.scenario, endpoint.requests.length])),
    signatures_failed: unverified,
    dispatcher_workers_killed: result.killedWorkers,
    kills: result.disruptions.filter((disruption) => disruption.kind === 'kill').length,
    restarts: result.disruptions.filter((disruption) => disruption.kind === 'restart').length,
    aws_errors_injected: result.injected,
    dead_letters: result.deadLetters,
    clock_advances_s: result.advances.map((advance) => advance.ms / 1000),
    local_run_error_lines: result.notable.length,
    wait_after_publish_s: Math.round(result.waitedMs / 1000),
    duration_s: Math.round((Date.now() - startedAt) / 1000),
    settings: { retry_schedule_s: RETRY_SCHEDULE, delivery_timeout_ms: DELIVERY_TIMEOUT_MS, rate_events_per_s: options.rate, baseline_events: options.baseline ? options.baselineEvents : 0, baseline_aws_errors: options.baseline && !options.quietBaseline },
  };
  if (!options.json) {
    for (const line of result.notable.slice(0, 20)) say(`local run: ${line.slice(0, 300)}`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
