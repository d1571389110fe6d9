// The local AWS-compatible endpoint: SQS, EventBridge (PutEvents) and Scheduler emulated in
// memory, DynamoDB passed through to DynamoDB Local, all on one port (local/README.md).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { backgroundTimer, type Clock, systemClock } from './clock';
import { type BusConfig, EventBridgeEngine } from './eventbridge';
import { FaultInjector } from './faults';
import { KmsEngine, type LocalKmsKeyConfig } from './kms';
import { loadState, saveState } from './persistence';
import { createRequestHandler } from './router';
import { SchedulerEngine } from './scheduler';
import { type QueueConfig, SqsEngine } from './sqs';

export interface AwsEndpointConfig {
  /** Interface to listen on, default 127.0.0.1. */
  host?: string;
  /** 0 picks any free port. */
  port: number;
  region?: string;
  accountId?: string;
  /** DynamoDB Local, e.g. `http://127.0.0.1:8000`. */
  dynamoDbEndpoint?: string;
  queues: QueueConfig[];
  buses: BusConfig[];
  /** Schedule groups besides `default`. */
  scheduleGroups: string[];
  /** KMS keys the stack declares; none by default. */
  kmsKeys?: LocalKmsKeyConfig[];
  clock?: Clock;
  /** Load queues, messages and schedules from this JSON file at start; save them on change and on close. */
  persistFile?: string;
  /** Error injection (/_local/faults); a fresh one with no rules by default. */
  faults?: FaultInjector;
  /** One line per request and per delivery; off by default. */
  log?: (line: string) => void;
  /** What went wrong without any caller to tell (an event dead-lettered or dropped); `log` by default. */
  warn?: (line: string) => void;
}

export interface AwsEndpoint {
  url: string;
  port: number;
  sqs: SqsEngine;
  events: EventBridgeEngine;
  scheduler: SchedulerEngine;
  kms: KmsEngine;
  /** Local-only error injection, also reachable as /_local/faults. */
  faults: FaultInjector;
  close(): Promise<void>;
}

const SAVE_DELAY_MS = 100;

export async function startAwsEndpoint(config: AwsEndpointConfig): Promise<AwsEndpoint> {
  const host = config.host ?? '127.0.0.1';
  const region = config.region ?? 'us-east-1';
  const accountId = config.accountId ?? '000000000000';
  const clock = config.clock ?? systemClock;
  const log = config.log ?? (() => undefined);

  // Filled in once the port is known (queue URLs contain it); until then requests get 503.
  const started: { handle?: http.RequestListener; sqs?: SqsEngine; scheduler?: SchedulerEngine; kms?: KmsEngine } = {};
  const server = http.createServer((request, response) => {
    if (started.handle) return started.handle(request, response);
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    if (config.persistFile && started.sqs && started.scheduler) {
      const kmsKeys = started.kms?.snapshot() ?? [];
      saveState(config.persistFile, { version: 1, queues: started.sqs.snapshot(), schedules: started.scheduler.snapshot(), kmsKeys });
    }
  };
  // Saving is debounced: a burst of messages costs one write.
  const scheduleSave = config.persistFile
    ? () => {
        saveTimer ??= backgroundTimer(SAVE_DELAY_MS, () => {
          try {
            save();
          } catch (error) {
            log(`persist: could not save ${config.persistFile}: ${String(error)}`);
          }
        });
      }
    : undefined;

  let sqs: SqsEngine;
  let events: EventBridgeEngine;
  let scheduler: SchedulerEngine;
  let kms: KmsEngine;
  try {
    sqs = new SqsEngine({ endpointUrl: url, region, accountId, clock, onChange: scheduleSave });
    createConfiguredQueues(sqs, config.queues);
    const saved = config.persistFile ? loadState(config.persistFile) : undefined;
    if (saved) sqs.restore(saved.queues);
    events = new EventBridgeEngine({ sqs, buses: config.buses, region, accountId, clock, log, warn: config.warn ?? log });
    scheduler = new SchedulerEngine({ sqs, groups: config.scheduleGroups, region, accountId, clock, log, onChange: scheduleSave });
    if (saved) scheduler.restore(saved.schedules);
    kms = new KmsEngine(config.kmsKeys ?? [], saved?.kmsKeys ?? []);
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  started.sqs = sqs;
  started.scheduler = scheduler;
  started.kms = kms;
  // Key material is made at start: a persisted run saves it at once, so its ciphertexts outlive a crash.
  if (config.persistFile && (config.kmsKeys ?? []).length > 0) scheduleSave?.();
  const faults = config.faults ?? new FaultInjector();
  started.handle = createRequestHandler({ sqs, events, scheduler, kms, clock, dynamoDbEndpoint: config.dynamoDbEndpoint, faults, log });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    sqs,
    events,
    scheduler,
    kms,
    faults,
    close() {
      closing ??= (async () => {
        scheduler.close();
        sqs.close(); // answers pending long polls with no messages
        save();
        await closeServer(server);
      })();
      return closing;
    },
  };
}

/** Dead-letter queues must exist before the queues that redrive to them. */
function createConfiguredQueues(sqs: SqsEngine, queues: QueueConfig[]): void {
  let pending = [...queues];
  while (pending.length > 0) {
    const ready = pending.filter((queue) => !queue.redrive || sqs.hasQueue(queue.redrive.deadLetterTargetName));
    if (ready.length === 0) {
      const names = pending.map((queue) => `${queue.name} -> ${queue.redrive?.deadLetterTargetName}`).join(', ');
      throw new Error(`dead-letter queues are not configured (or form a cycle): ${names}`);
    }
    for (const queue of ready) sqs.createQueue(queue);
    pending = pending.filter((queue) => !ready.includes(queue));
  }
}

async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Let responses to released long polls flush, then drop keep-alive sockets.
  await new Promise((resolve) => setImmediate(resolve));
  server.closeIdleConnections();
  const force = backgroundTimer(500, () => server.closeAllConnections());
  await closed;
  clearTimeout(force);
}
