// The one place WebhookDelivery's props are checked and defaulted: the construct's build steps read
// these settings only, never the props, so every prop fails the synth (naming it) before anything
// deploys, and no prop can be added without a line here (WebhookDeliverySettings has every key).
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DEFAULT_FRAME_ANCESTORS, parseFrameAncestors } from '../lambdas/api/portal-headers';
import { DEFAULT_REQUEST_LIMITS, type RequestLimitSettings } from '../lambdas/api/request-limit-settings';
import { DISPATCHER_HEADROOM_SECONDS, dispatcherTimeoutSeconds } from '../lambdas/dispatcher/config';
import { DEFAULT_RETRY_SCHEDULE_SECONDS, parseRetrySchedule } from '../lambdas/domain/retry-policy';
import type { WebhookDeliveryProps } from './webhook-delivery';

export const DEFAULT_EVENT_BUS_NAME = 'georedir-webhooks';
export const DEFAULT_EVENT_SOURCE = 'georedir';
/** The source of the events the service itself publishes (endpoint.disabled). It differs from the
 * producers' source so the dispatch rule never matches them and they cannot loop back. */
export const OPERATIONAL_EVENT_SOURCE = 'georedir.webhooks';

const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** DynamoDB stream event sources take at most 1,000 records per batch (one GetRecords). */
const STREAM_MAX_BATCH_SIZE = 1000;
/** Lambda's limits for an event source: batching window, SQS batch size (standard queues), concurrency. */
const MAX_BATCHING_WINDOW_SECONDS = 300;
const SQS_MAX_BATCH_SIZE = 10_000;
/** Lambda takes batches above 10 from SQS only with a batching window of at least 1 s. */
const SQS_MAX_BATCH_WITHOUT_WINDOW = 10;
const MIN_MAX_CONCURRENCY = 2;
const MAX_MAX_CONCURRENCY = 1000;
/** The management function's reserved concurrency: at least one (0 would switch the API off), at most Lambda's default account limit. */
const MAX_RESERVED_CONCURRENCY = 1000;
const DEFAULT_MANAGEMENT_RESERVED_CONCURRENCY = 10;
/** SQS's limit for a redrive policy's maxReceiveCount. */
const MAX_RECEIVE_COUNT = 1000;
/** Lambda's limits for a function's memory, in MB. */
const MIN_MEMORY_MB = 128;
const MAX_MEMORY_MB = 10_240;
const DEFAULT_MEMORY_MB = 256;
/** Lambda's limit for a stream event source's MaximumRetryAttempts. */
const MAX_STREAM_RETRY_ATTEMPTS = 10_000;
/** EventBridge's custom bus names (no `/`: that is for partner buses) and Scheduler's group names. */
const EVENT_BUS_NAME = /^[.\-_A-Za-z0-9]{1,256}$/;
const SCHEDULE_GROUP_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
/** RetentionDays is a numeric enum: Object.values also lists its member names. */
const RETENTION_DAYS = Object.values(RetentionDays).filter((days): days is RetentionDays => typeof days === 'number');

/**
 * Every prop, checked, with its default applied. The Record makes a prop missing here a compile
 * error, so none can bypass the checks.
 */
export interface WebhookDeliverySettings extends Record<Exclude<keyof WebhookDeliveryProps, keyof RequestLimitSettings>, unknown>, RequestLimitSettings {
  readonly eventBusName: string;
  readonly eventSource: string;
  /** Normalized: `60,300`, whatever the spacing it was given with. */
  readonly retryScheduleSeconds: string;
  readonly allowPrivateEndpoints: boolean;
  readonly deliveryTimeoutMs: number;
  readonly attemptRetentionDays: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly maxConcurrency: number | undefined;
  readonly retryBatchSize: number;
  readonly retryMaxBatchingWindow: Duration;
  readonly retryMaxConcurrency: number;
  readonly dispatcherReservedConcurrency: number | undefined;
  readonly dispatcherMemorySize: number;
  readonly managementMemorySize: number;
  readonly managementReservedConcurrency: number;
  readonly countsBatchSize: number;
  readonly countsMaxBatchingWindow: Duration;
  readonly countsRetryAttempts: number;
  readonly countsMemorySize: number;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  /** The management API's limits (the RequestLimitSettings props), as the function reads them (request-limit-settings.ts). */
  readonly requestLimits: RequestLimitSettings;
  readonly scheduleGroupName: string | undefined;
  readonly removalPolicy: RemovalPolicy;
  readonly accessLogRetention: RetentionDays;
  readonly alarmTopic: ITopic | undefined;
  /** Space separated, as the Content-Security-Policy header takes them. */
  readonly portalFrameAncestors: string;
  /** Derived from deliveryTimeoutMs: one delivery plus the headroom. */
  readonly dispatcherTimeout: Duration;
}

/** Applies defaults and rejects bad configuration at synth time, before anything deploys. */
export function resolveSettings(props: WebhookDeliveryProps): WebhookDeliverySettings {
  const deliveryTimeoutMs = requirePositiveInteger('deliveryTimeoutMs', props.deliveryTimeoutMs ?? 30_000);
  const dispatcherSeconds = dispatcherTimeoutSeconds(deliveryTimeoutMs);
  if (dispatcherSeconds > LAMBDA_MAX_TIMEOUT_SECONDS) {
    throw new Error(
      `deliveryTimeoutMs ${deliveryTimeoutMs} leaves no room in Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s limit ` +
        `(the dispatcher needs ${DISPATCHER_HEADROOM_SECONDS} s more than one delivery)`,
    );
  }
  const attemptRetentionDays = requirePositiveInteger('attemptRetentionDays', props.attemptRetentionDays ?? 30);
  const retryDelays = parseRetryScheduleSeconds(props.retryScheduleSeconds ?? DEFAULT_RETRY_SCHEDULE_SECONDS.join(','));
  const totalRetrySeconds = retryDelays.reduce((sum, delay) => sum + delay, 0);
  // A retry that fires after its delivery record expired would have nothing to deliver.
  if (totalRetrySeconds >= attemptRetentionDays * 86_400) {
    throw new Error(
      `retryScheduleSeconds adds up to ${totalRetrySeconds} s, longer than attemptRetentionDays (${attemptRetentionDays})`,
    );
  }
  const eventSource = props.eventSource ?? DEFAULT_EVENT_SOURCE;
  if (typeof eventSource !== 'string' || eventSource.trim() === '' || eventSource === OPERATIONAL_EVENT_SOURCE) {
    throw new Error(`eventSource must be a non-empty string other than "${OPERATIONAL_EVENT_SOURCE}"`);
  }
  const dispatchLane = resolveSqsLane(
    { batchSize: 'batchSize', window: 'maxBatchingWindow' },
    { batchSize: props.batchSize ?? 10, window: props.maxBatchingWindow ?? Duration.seconds(1) },
  );
  const requestLimits = resolveRequestLimits(props);
  const retryLane = resolveSqsLane(
    { batchSize: 'retryBatchSize', window: 'retryMaxBatchingWindow' },
    { batchSize: props.retryBatchSize ?? 100, window: props.retryMaxBatchingWindow ?? Duration.seconds(1) },
  );
  return {
    eventBusName: requireName('eventBusName', props.eventBusName ?? DEFAULT_EVENT_BUS_NAME, EVENT_BUS_NAME, 256),
    eventSource,
    retryScheduleSeconds: retryDelays.join(','),
    allowPrivateEndpoints: requireBoolean('allowPrivateEndpoints', props.allowPrivateEndpoints ?? false),
    deliveryTimeoutMs,
    attemptRetentionDays,
    maxReceiveCount: requirePositiveInteger('maxReceiveCount', props.maxReceiveCount ?? 5, MAX_RECEIVE_COUNT),
    batchSize: dispatchLane.batchSize,
    maxBatchingWindow: dispatchLane.window,
    maxConcurrency: optional(props.maxConcurrency, (value) => requireMaxConcurrency('maxConcurrency', value)),
    retryBatchSize: retryLane.batchSize,
    retryMaxBatchingWindow: retryLane.window,
    retryMaxConcurrency: requireMaxConcurrency('retryMaxConcurrency', props.retryMaxConcurrency ?? 10),
    dispatcherReservedConcurrency: optional(props.dispatcherReservedConcurrency, (value) =>
      requireWholeNumber('dispatcherReservedConcurrency', value, 0),
    ),
    dispatcherMemorySize: requireMemorySize('dispatcherMemorySize', props.dispatcherMemorySize),
    managementMemorySize: requireMemorySize('managementMemorySize', props.managementMemorySize),
    managementReservedConcurrency: requireWholeNumber(
      'managementReservedConcurrency',
      props.managementReservedConcurrency ?? DEFAULT_MANAGEMENT_RESERVED_CONCURRENCY,
      1,
      MAX_RESERVED_CONCURRENCY,
    ),
    countsBatchSize: requirePositiveInteger('countsBatchSize', props.countsBatchSize ?? STREAM_MAX_BATCH_SIZE, STREAM_MAX_BATCH_SIZE),
    countsMaxBatchingWindow: requireBatchingWindow('countsMaxBatchingWindow', props.countsMaxBatchingWindow ?? Duration.seconds(10)),
    countsRetryAttempts: requireWholeNumber('countsRetryAttempts', props.countsRetryAttempts ?? 5, 0, MAX_STREAM_RETRY_ATTEMPTS),
    countsMemorySize: requireMemorySize('countsMemorySize', props.countsMemorySize),
    throttlingRateLimit: requirePositiveInteger('throttlingRateLimit', props.throttlingRateLimit ?? 50),
    throttlingBurstLimit: requirePositiveInteger('throttlingBurstLimit', props.throttlingBurstLimit ?? 100),
    ...requestLimits,
    requestLimits,
    scheduleGroupName: optional(props.scheduleGroupName, (name) => requireName('scheduleGroupName', name, SCHEDULE_GROUP_NAME, 64)),
    removalPolicy: requireOneOf('removalPolicy', props.removalPolicy ?? RemovalPolicy.RETAIN, 'RemovalPolicy', Object.values(RemovalPolicy)),
    accessLogRetention: requireOneOf('accessLogRetention', props.accessLogRetention ?? RetentionDays.ONE_MONTH, 'RetentionDays', RETENTION_DAYS),
    alarmTopic: optional(props.alarmTopic, requireTopic),
    portalFrameAncestors: parsePortalFrameAncestors(props.portalFrameAncestors ?? [DEFAULT_FRAME_ANCESTORS]),
    dispatcherTimeout: Duration.seconds(dispatcherSeconds),
  };
}

/** The management API's limits per credential and per account: each a positive integer, the default where absent. */
function resolveRequestLimits(props: WebhookDeliveryProps): RequestLimitSettings {
  const names = Object.keys(DEFAULT_REQUEST_LIMITS) as (keyof RequestLimitSettings)[];
  return Object.fromEntries(names.map((name) => [name, requirePositiveInteger(name, props[name] ?? DEFAULT_REQUEST_LIMITS[name])])) as unknown as RequestLimitSettings;
}

/** One SQS event source's batch size and batching window, checked under the props' names. */
function resolveSqsLane(
  names: { readonly batchSize: string; readonly window: string },
  values: { readonly batchSize: number; readonly window: Duration },
): { batchSize: number; window: Duration } {
  const batchSize = requireWholeNumber(names.batchSize, values.batchSize, 1, SQS_MAX_BATCH_SIZE);
  const window = requireBatchingWindow(names.window, values.window);
  if (batchSize > SQS_MAX_BATCH_WITHOUT_WINDOW && window.toMilliseconds() < 1000) {
    throw new Error(`${names.batchSize} above ${SQS_MAX_BATCH_WITHOUT_WINDOW} needs a ${names.window} of at least 1 s, got ${window.toHumanString()}`);
  }
  return { batchSize, window };
}

/** Checks the frame-ancestors sources with the function's own parser, so a typo fails the synth. */
function parsePortalFrameAncestors(sources: readonly string[]): string {
  try {
    return parseFrameAncestors(sources);
  } catch (error) {
    throw new Error(`portalFrameAncestors: ${(error as Error).message}`);
  }
}

/**
 * Checks a retry schedule such as `60,300,1800` with the same parser the functions use at cold
 * start, so a typo fails the synth instead of the first retry.
 */
export function parseRetryScheduleSeconds(value: string): number[] {
  if (typeof value !== 'string' || value.trim() === '') throw new Error('retryScheduleSeconds must not be empty');
  try {
    return [...parseRetrySchedule(value)];
  } catch (error) {
    throw new Error(`retryScheduleSeconds: ${(error as Error).message}`);
  }
}

function optional<T, R>(value: T | undefined, check: (value: T) => R): R | undefined {
  return value === undefined ? undefined : check(value);
}

function requirePositiveInteger(name: string, value: number, max?: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  if (max !== undefined && value > max) throw new Error(`${name} must be at most ${max}, got ${value}`);
  return value;
}

function requireWholeNumber(name: string, value: number, min: number, max?: number): number {
  if (!Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${name} must be a whole number ${range}, got ${value}`);
  }
  return value;
}

/** Lambda's limits for an SQS event source's MaximumConcurrency. */
function requireMaxConcurrency(name: string, value: number): number {
  return requireWholeNumber(name, value, MIN_MAX_CONCURRENCY, MAX_MAX_CONCURRENCY);
}

function requireMemorySize(name: string, value: number | undefined): number {
  return requireWholeNumber(name, value ?? DEFAULT_MEMORY_MB, MIN_MEMORY_MB, MAX_MEMORY_MB);
}

/** Lambda's limit for an event source's batching window. */
function requireBatchingWindow(name: string, window: Duration): Duration {
  if (window.toMilliseconds() > MAX_BATCHING_WINDOW_SECONDS * 1000) {
    throw new Error(`${name} must be at most ${MAX_BATCHING_WINDOW_SECONDS} s, got ${window.toHumanString()}`);
  }
  return window;
}

/** A resource name; a token (a parameter, an import) is left for CloudFormation to check. */
function requireName(name: string, value: string, pattern: RegExp, maxLength: number): string {
  if (typeof value === 'string' && (Token.isUnresolved(value) || (pattern.test(value) && value !== 'default'))) return value;
  throw new Error(`${name} must be 1 to ${maxLength} letters, digits, '.', '-' or '_' (and not "default"), got ${JSON.stringify(value)}`);
}

/** For callers without the compiler's checks (plain JavaScript, values read from configuration). */
function requireBoolean(name: string, value: boolean): boolean {
  if (typeof value !== 'boolean') throw new Error(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** A value of one of CDK's enums, named `enumName` in the message. */
function requireOneOf<T>(name: string, value: T, enumName: string, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new Error(`${name} must be a ${enumName} value, got ${JSON.stringify(value)}`);
  return value;
}

function requireTopic(topic: ITopic): ITopic {
  if (typeof topic !== 'object' || topic === null || typeof topic.topicArn !== 'string') {
    throw new Error('alarmTopic must be an SNS topic (ITopic)');
  }
  return topic;
}
