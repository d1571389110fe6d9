// End-to-end latency, PutEvents to receiver, through the local run (`npm start` in a child
// process on free ports) built from the bench's template, whose dispatcher batching window is 0.
// Events are published one at a time, each once the previous one arrived and the invocation that
// sent it has ended (its REPORT line): an event published while that invocation still records its
// delivery finds the only warm execution environment busy and waits for a new one's cold start
// (about half a second; cold starts are `npm run bench:cold-start`'s figure). The dispatcher runs
// with its deployed settings otherwise, its account cache included (the e2e tests' harness turns
// that cache off, since tests publish right after changing endpoints; here the endpoint is
// registered before the warm-up events).
//
// DynamoDB Local is a JVM: its first few hundred requests run unoptimised code and take about
// twice as long as later ones (three at once: p50 12 ms over requests 60-300, 7 ms over 900-3,000
// on 2 cores), which DynamoDB itself never does. Before the warm-up events the bench therefore
// sends it `dynamoDbWarmUpRequests` requests of the kinds a batch makes (BatchGetItem eventually
// and strongly consistent, an INSERT of ten deliveries, three at once: local/dynamodb-warm-up.ts),
// through the local AWS endpoint, on a table of its own that it deletes afterwards.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { loadDispatcherConfig } from '../lambdas/dispatcher/config';
import { warmDynamoDbLocal } from '../local/dynamodb-warm-up';
import { startLocalRunProcess } from '../test/e2e/support/local-run-process';
import { startBenchReceiver } from './receiver';
import { eventMessageBody } from './scenario';
import { BENCH_CDK_OUT, type BenchStack } from './stack';

export interface E2eOptions {
  readonly events: number;
  /** Events published and not counted, after the DynamoDB Local warm-up. */
  readonly warmUp: number;
  /** Requests sent to DynamoDB Local before the warm-up events (a multiple of 3; 0: none). */
  readonly dynamoDbWarmUpRequests: number;
}

export interface E2eResult {
  readonly events: number;
  readonly batchingWindowSeconds: number;
  /** The dispatcher's account cache during the run (its deployed setting). */
  readonly accountCacheSeconds: number;
  readonly dynamoDbWarmUpRequests: number;
  readonly dynamoDbWarmUpMs: number;
  /** Dispatcher execution environments started during the run (REPORT lines with an init duration). */
  readonly dispatcherColdStarts: number;
  readonly latenciesMs: number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly localRunReadyMs: number;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function measureE2e(stack: BenchStack, options: E2eOptions): Promise<E2eResult> {
  const arrivals = new Map<string, (at: number) => void>();
  const receiver = await startBenchReceiver({ latencyMs: 0 });
  receiver.onBody = (body) => {
    const clickId = (JSON.parse(body) as { data?: { click_id?: string } }).data?.click_id;
    if (clickId) arrivals.get(clickId)?.(performance.now());
  };
  // An empty value: no override, the function's own setting (see local/start-args.ts).
  const local = await startLocalRunProcess({ LOCAL_CDK_OUT: BENCH_CDK_OUT, ACCOUNT_CACHE_SECONDS: '' }, 240_000);
  const { accountCacheSeconds } = loadDispatcherConfig(stack.dispatcher.environment);
  const clientConfig = { endpoint: local.outputs.awsEndpoint, region: local.outputs.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const eventBridge = new EventBridgeClient(clientConfig);
  try {
    const dynamoDbWarmUpMs = await warmDynamoDbLocal(new DynamoDBClient(clientConfig), Math.floor(options.dynamoDbWarmUpRequests / 3));
    const { apiUrl, apiKey, accountId, eventBusName, eventSource } = local.outputs;
    const response = await fetch(`${apiUrl}/v1/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['click'] }),
    });
    if (response.status !== 201) throw new Error(`bench e2e: endpoint registration answered ${response.status}: ${await response.text()}`);

    const reports = `[${stack.dispatcher.label}] REPORT `;
    const dispatcherReports = () => local.lines.filter((line) => line.startsWith(reports));
    const latenciesMs: number[] = [];
    for (let index = 0; index < options.warmUp + options.events; index += 1) {
      const invocationsEnded = dispatcherReports().length;
      const detail = (JSON.parse(eventMessageBody(accountId)) as { detail: { data: { click_id: string } } }).detail;
      const clickId = detail.data.click_id;
      const arrived = new Promise<number>((resolve, reject) => {
        arrivals.set(clickId, resolve);
        setTimeout(() => reject(new Error(`bench e2e: event ${clickId} did not arrive within 15 s`)), 15_000).unref();
      });
      const sentAt = performance.now();
      await eventBridge.send(
        new PutEventsCommand({ Entries: [{ EventBusName: eventBusName, Source: eventSource, DetailType: 'click', Detail: JSON.stringify(detail) }] }),
      );
      const at = await arrived;
      arrivals.delete(clickId);
      if (index >= options.warmUp) latenciesMs.push(at - sentAt);
      await until(() => dispatcherReports().length > invocationsEnded, `the invocation that sent ${clickId} did not end within 15 s`);
    }
    return {
      events: latenciesMs.length,
      batchingWindowSeconds: stack.eventSource.maximumBatchingWindowSeconds,
      accountCacheSeconds,
      dynamoDbWarmUpRequests: 3 * Math.floor(options.dynamoDbWarmUpRequests / 3),
      dynamoDbWarmUpMs,
      dispatcherColdStarts: dispatcherReports().filter((line) => line.includes('Init Duration')).length,
      latenciesMs,
      p50Ms: percentile(latenciesMs, 50),
      p99Ms: percentile(latenciesMs, 99),
      localRunReadyMs: local.readyMs,
    };
  } finally {
    eventBridge.destroy();
    await local.stop();
    await receiver.close();
  }
}

async function until(done: () => boolean, failure: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`bench e2e: ${failure}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

