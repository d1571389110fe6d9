// Shared by the guide-*.test.ts files: one local run (npm start's entry) per file, driven only
// through public surfaces: PutEvents, Scheduler, SQS and DynamoDB through the SDK at the AWS
// endpoint, the management API over HTTP, the admin CLI, and the local-only /_local/ requests
// (the AWS endpoint's clock and the events put on its buses).
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EVENT_CATALOGUE } from '../../lambdas/domain/event-catalogue';
import { type LocalRunProcess, repositoryRoot, startLocalRunProcess } from './support/local-run-process';
import type { components } from '../../portal/src/generated/api-schema';

export const READY_TIMEOUT_MS = 60_000;

export interface Account {
  readonly accountId: string;
  readonly apiKey: string;
}

export interface ApiAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

export interface RegisteredEndpoint {
  readonly id: string;
  readonly secret: string;
}

/** One PutEvents entry; `detail` given as text is sent byte for byte (e.g. `50.0`, `\u00e9`). */
export interface PublishedEvent {
  readonly type: string;
  readonly account: Account;
  readonly data?: unknown;
  readonly id?: string;
  /** Replaces the whole Detail (then `data` and `id` are ignored). */
  readonly rawDetail?: string;
}

export interface BusEvent {
  readonly busName: string;
  readonly matchedRules: string[];
  readonly event: { id: string; source: string; 'detail-type': string; time: string; detail: Record<string, unknown> };
}

export interface GuideRun {
  readonly process: LocalRunProcess;
  readonly devAccount: Account;
  readonly events: EventBridgeClient;
  readonly scheduler: SchedulerClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  api<T = Record<string, unknown>>(account: Account, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  createAccount(name: string, maxEndpoints?: number): Promise<Account>;
  registerEndpoint(account: Account, url: string, events: string[]): Promise<RegisteredEndpoint>;
  publish(...entries: PublishedEvent[]): Promise<PutEventsResultEntry[]>;
  /** Moves the AWS endpoint's clock (SQS delays and visibility, Scheduler) ahead; the functions keep real time. */
  advanceClock(seconds: number): Promise<{ now: string; offsetSeconds: number }>;
  clock(): Promise<{ now: string; offsetSeconds: number }>;
  busEvents(filter: { source?: string; detailType?: string }): Promise<BusEvent[]>;
  /** The dispatcher's log lines (JSON, from Powertools Logger) printed since the start. */
  dispatcherLogs(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startGuideRun(env: Record<string, string>): Promise<GuideRun> {
  const run = await startLocalRunProcess(env, READY_TIMEOUT_MS);
  const { outputs } = run;
  const clientConfig = { endpoint: outputs.awsEndpoint, region: outputs.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const events = new EventBridgeClient(clientConfig);
  const scheduler = new SchedulerClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const dynamodb = new DynamoDBClient(clientConfig);

  const api = async <T>(account: Account, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const response = await fetch(`${outputs.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${account.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
  };

  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${outputs.awsEndpoint}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  return {
    process: run,
    devAccount: { accountId: outputs.accountId, apiKey: outputs.apiKey },
    events,
    scheduler,
    sqs,
    dynamodb,
    api,
    async createAccount(name, maxEndpoints) {
      // The admin CLI against this run's outputs.json, as an operator would.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          ...['--import', 'tsx', 'cli/admin.ts', 'create-account', '--name', name, '--json', '--outputs', join(run.outputDir, 'outputs.json')],
          ...(maxEndpoints === undefined ? [] : ['--max-endpoints', String(maxEndpoints)]),
        ],
        { cwd: repositoryRoot, env: { ...process.env, NODE_OPTIONS: '' } },
      );
      return JSON.parse(stdout) as Account;
    },
    async registerEndpoint(account, url, eventTypes) {
      const created = await api<{ id: string; secret: string }>(account, 'POST', '/v1/endpoints', { url, events: eventTypes, description: `guide e2e ${eventTypes.join(',')}` });
      if (created.status !== 201) throw new Error(`POST /v1/endpoints answered ${created.status}: ${JSON.stringify(created.body)}`);
      return { id: created.body.id, secret: created.body.secret };
    },
    async publish(...entries) {
      const answer = await events.send(
        new PutEventsCommand({
          Entries: entries.map((entry) => ({
            EventBusName: outputs.eventBusName,
            Source: outputs.eventSource,
            DetailType: entry.type,
            Detail: entry.rawDetail ?? JSON.stringify({ account_id: entry.account.accountId, data: entry.data, ...(entry.id ? { id: entry.id } : {}) }),
          })),
        }),
      );
      if (answer.FailedEntryCount) throw new Error(`PutEvents refused entries: ${JSON.stringify(answer.Entries)}`);
      return answer.Entries ?? [];
    },
    advanceClock: (seconds) => control('POST', '/_local/clock', { advanceSeconds: seconds }),
    clock: () => control('GET', '/_local/clock'),
    async busEvents(filter) {
      const query = new URLSearchParams({ ...(filter.source ? { source: filter.source } : {}), ...(filter.detailType ? { detailType: filter.detailType } : {}) });
      return (await control<{ events: BusEvent[] }>('GET', `/_local/events?${query}`)).events;
    },
    dispatcherLogs() {
      // The local run prefixes each function's output with its construct's name.
      const prefix = '[DispatcherFunction] ';
      const entries: Array<Record<string, unknown>> = [];
      for (const line of run.lines) {
        const start = line.startsWith(prefix) ? line.indexOf('{') : -1;
        if (start < 0) continue;
        try {
          entries.push(JSON.parse(line.slice(start)) as Record<string, unknown>);
        } catch {
          // Not a structured log line (a runtime message, a REPORT line).
        }
      }
      return entries;
    },
    async stop() {
      for (const client of [events, scheduler, sqs, dynamodb]) client.destroy();
      if (run.child.exitCode === null && run.child.signalCode === null) await run.stop('SIGTERM');
      rmSync(run.outputDir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// The API's own shapes, generated from its OpenAPI document (npm run generate:api-types).
export type AttemptView = components['schemas']['Attempt'];
export type DeliveryView = components['schemas']['Delivery'];
export type EndpointView = components['schemas']['Endpoint'];

/** The endpoint's attempt log (GET /v1/endpoints/{id}/deliveries), all pages, newest first. */
export async function attemptLog(run: GuideRun, account: Account, endpointId: string): Promise<AttemptView[]> {
  const all: AttemptView[] = [];
  let cursor: string | undefined;
  do {
    const page = await run.api<{ data: AttemptView[]; nextCursor: string | null }>(
      account,
      'GET',
      `/v1/endpoints/${endpointId}/deliveries?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`attempt log answered ${page.status}: ${JSON.stringify(page.body)}`);
    all.push(...page.body.data);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export async function getDelivery(run: GuideRun, account: Account, deliveryId: string): Promise<DeliveryView> {
  const answer = await run.api<DeliveryView>(account, 'GET', `/v1/deliveries/${deliveryId}`);
  if (answer.status !== 200) throw new Error(`GET /v1/deliveries/${deliveryId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * Waits for the delivery to reach `status`. A delivery is recorded after its first attempt, and
 * answers pending while that attempt is under way, so a receiver's request is no sign it is recorded.
 */
export function deliveryWithStatus(run: GuideRun, account: Account, deliveryId: string, status: DeliveryView['status'], timeoutMs: number): Promise<DeliveryView> {
  return waitFor(`${status} delivery ${deliveryId}`, async () => {
    const found = await getDelivery(run, account, deliveryId);
    return found.status === status ? found : undefined;
  }, timeoutMs);
}

export async function getEndpoint(run: GuideRun, account: Account, endpointId: string): Promise<EndpointView> {
  const answer = await run.api<EndpointView>(account, 'GET', `/v1/endpoints/${endpointId}`);
  if (answer.status !== 200) throw new Error(`GET /v1/endpoints/${endpointId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** The guide's click payload (the catalogue's example) with its own click_id (the event's identity). */
export function clickData(clickId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...EVENT_CATALOGUE.click.example, click_id: clickId, ...extra };
}
