// In-memory SQS (standard queues) with the semantics the dispatcher relies on: visibility
// timeouts, per-message delay, long polling, receive counts and redrive to a dead-letter queue,
// and the fair-queue order of messages that carry a MessageGroupId (fair-queue.ts).
// No HTTP here: the JSON-protocol adapter is sqs-api.ts, and local code (the Lambda runner)
// can drive queues directly.
import { createHash, randomUUID } from 'node:crypto';
import { backgroundTimer, type Clock, systemClock } from './clock';
import { AwsServiceError } from './errors';
import { FairQueueTenants, fairReceiveOrder, type TenantLoad, tenantOf } from './fair-queue';

export interface RedriveConfig {
  deadLetterTargetName: string;
  maxReceiveCount: number;
}

export interface QueueConfig {
  name: string;
  /** Seconds, default 30. */
  visibilityTimeout?: number;
  /** Default delay for new messages in seconds (0..900), default 0. */
  delaySeconds?: number;
  /** Seconds a message is kept (60..1209600), default 345600 (4 days). */
  messageRetentionPeriod?: number;
  /** Default long-poll wait for ReceiveMessage without WaitTimeSeconds (0..20), default 0. */
  receiveMessageWaitTimeSeconds?: number;
  /** Largest message (body and attributes) in bytes (1,024..1,048,576), default 262,144 as in SQS. */
  maximumMessageSize?: number;
  redrive?: RedriveConfig;
}

export type ResolvedQueueConfig = Required<Omit<QueueConfig, 'redrive'>> & { redrive?: RedriveConfig };

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64, as the JSON protocol carries blobs. */
  BinaryValue?: string;
}

export interface SendMessageOptions {
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  /** On a standard queue, the message's tenant for the fair-queue order. */
  messageGroupId?: string;
}

export interface SentMessage {
  messageId: string;
  md5OfMessageBody: string;
  md5OfMessageAttributes?: string;
}

export interface ReceiveOptions {
  /** 1..10, default 1. */
  maxNumberOfMessages?: number;
  /** 0..20; defaults to the queue's receiveMessageWaitTimeSeconds. */
  waitTimeSeconds?: number;
  /** 0..43200; defaults to the queue's visibilityTimeout. */
  visibilityTimeout?: number;
  /** Ends a long poll early with [] (the HTTP client went away), so no message is taken for nobody. */
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /** All system attributes; the HTTP adapter filters to the requested names. */
  attributes: Record<string, string>;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
}

/** A message as stored (and persisted). Times are epoch milliseconds. */
export interface StoredMessage {
  messageId: string;
  body: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  /** The fair-queue tenant; absent: the message is a tenant of its own. */
  messageGroupId?: string;
  sentTimestamp: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** When the latest receive happened (absent in state saved by older versions). */
  lastReceiveTimestamp?: number;
  /** Identifies the latest receive; older receipt handles are stale. */
  receiptNonce?: string;
  deadLetterQueueSourceArn?: string;
}

export interface QueueSnapshot {
  config: ResolvedQueueConfig;
  createdTimestamp: number;
  messages: StoredMessage[];
}

export interface SqsEngineOptions {
  /** Base of queue URLs, e.g. `http://127.0.0.1:4566`. */
  endpointUrl: string;
  region?: string;
  accountId?: string;
  clock?: Clock;
  /** Called after every state change (used to persist). */
  onChange?: () => void;
}

/** SQS's default MaximumMessageSize, for a queue that sets none. */
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;
/** The most any queue may set, and the most one SendMessageBatch may carry in all. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
const MIN_MESSAGE_BYTES = 1_024;
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_TIMEOUT = 43_200;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
// Alphanumerics and punctuation (printable ASCII but the space), 1 to 128 of them.
const MESSAGE_GROUP_ID = /^[\x21-\x7E]{1,128}$/;
// Characters SQS accepts in a message body (the XML 1.0 character range).
// eslint-disable-next-line no-control-regex
const INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const invalidParameter = (message: string) =>
  new AwsServiceError('InvalidParameterValue', message, 400, 'InvalidParameterValue');

export const queueDoesNotExist = () =>
  new AwsServiceError(
    'QueueDoesNotExist',
    'The specified queue does not exist.',
    400,
    'AWS.SimpleQueueService.NonExistentQueue',
  );

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** MD5OfMessageAttributes as AWS computes it: names sorted, each field length-prefixed. */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

function checkIntegerRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(`Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`);
  }
}

function resolveConfig(config: QueueConfig): ResolvedQueueConfig {
  if (!QUEUE_NAME.test(config.name)) {
    throw invalidParameter(
      `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (queue name ${JSON.stringify(config.name)}; FIFO queues are not emulated)`,
    );
  }
  const resolved: ResolvedQueueConfig = {
    name: config.name,
    visibilityTimeout: config.visibilityTimeout ?? 30,
    delaySeconds: config.delaySeconds ?? 0,
    messageRetentionPeriod: config.messageRetentionPeriod ?? 345_600,
    receiveMessageWaitTimeSeconds: config.receiveMessageWaitTimeSeconds ?? 0,
    maximumMessageSize: config.maximumMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES,
    ...(config.redrive ? { redrive: { ...config.redrive } } : {}),
  };
  checkIntegerRange('VisibilityTimeout', resolved.visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT);
  checkIntegerRange('DelaySeconds', resolved.delaySeconds, 0, MAX_DELAY_SECONDS);
  checkIntegerRange('MessageRetentionPeriod', resolved.messageRetentionPeriod, 60, 1_209_600);
  checkIntegerRange('ReceiveMessageWaitTimeSeconds', resolved.receiveMessageWaitTimeSeconds, 0, 20);
  checkIntegerRange('MaximumMessageSize', resolved.maximumMessageSize, MIN_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES);
  if (resolved.redrive) checkIntegerRange('maxReceiveCount', resolved.redrive.maxReceiveCount, 1, 1000);
  return resolved;
}

interface Waiter {
  options: Required<Omit<ReceiveOptions, 'signal'>>;
  resolve: (messages: ReceivedMessage[]) => void;
  deadline: NodeJS.Timeout;
}

class Queue {
  readonly messages = new Map<string, StoredMessage>(); // insertion order = roughly FIFO, like SQS
  readonly waiters: Waiter[] = [];
  /** Noisy tenants and recent processing times: in memory only, a restart starts them afresh. */
  readonly tenants = new FairQueueTenants();
  wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    public config: ResolvedQueueConfig,
    readonly createdTimestamp: number,
    public lastModifiedTimestamp: number,
  ) {}
}

export class SqsEngine {
  readonly region: string;
  readonly accountId: string;
  private readonly endpointUrl: string;
  private readonly clock: Clock;
  private readonly onChange: () => void;
  private readonly queues = new Map<string, Queue>();
  private readonly unsubscribeClock: (() => void) | undefined;
  private closed = false;

  constructor(options: SqsEngineOptions) {
    this.endpointUrl = options.endpointUrl.replace(/\/+$/, '');
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.clock = options.clock ?? systemClock;
    this.onChange = options.onChange ?? (() => undefined);
    // A jump of an injected clock can make delayed or in-flight messages visible.
    this.unsubscribeClock = this.clock.subscribe?.(() => {
      for (const queue of this.queues.values()) this.serveWaiters(queue);
    });
  }

  queueUrl(name: string): string {
    return `${this.endpointUrl}/${this.accountId}/${name}`;
  }

  queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
  }

  /** Queue name from a queue URL (any host: clients may say localhost or 127.0.0.1). */
  queueNameFromUrl(queueUrl: string): string {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      throw queueDoesNotExist();
    }
    const [account, name, ...rest] = path.split('/').filter((segment) => segment !== '');
    if (account !== this.accountId || name === undefined || rest.length > 0 || !this.queues.has(name)) {
      throw queueDoesNotExist();
    }
    return name;
  }

  /** Queue name from an ARN (Scheduler and EventBridge targets); undefined when unknown. */
  queueNameFromArn(arn: string): string | undefined {
    const prefix = `arn:aws:sqs:${this.region}:${this.accountId}:`;
    if (!arn.startsWith(prefix)) return undefined;
    const name = arn.slice(prefix.length);
    return this.queues.has(name) ? name : undefined;
  }

  hasQueue(name: string): boolean {
    return this.queues.has(name);
  }

  listQueueNames(prefix = ''): string[] {
    return [...this.queues.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  getQueueConfig(name: string): ResolvedQueueConfig {
    return { ...this.queue(name).config };
  }

  /** Creates a queue; creating an existing queue with identical settings is a no-op, as in AWS. */
  createQueue(config: QueueConfig): string {
    const resolved = resolveConfig(config);
    this.checkRedrive(resolved);
    const existing = this.queues.get(resolved.name);
    if (existing) {
      if (JSON.stringify(existing.config) !== JSON.stringify(resolved)) {
        throw new AwsServiceError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute(s) (${resolved.name})`,
          400,
          'QueueAlreadyExists',
        );
      }
      return this.queueUrl(resolved.name);
    }
    const now = this.clock.now();
    this.queues.set(resolved.name, new Queue(resolved, now, now));
    this.onChange();
    return this.queueUrl(resolved.name);
  }

  /** Changes settings of an existing queue (SetQueueAttributes). */
  updateQueue(name: string, changes: Partial<Omit<QueueConfig, 'name'>>): void {
    const queue = this.queue(name);
    const resolved = resolveConfig({ ...queue.config, ...changes, name });
    this.checkRedrive(resolved);
    queue.config = resolved;
    queue.lastModifiedTimestamp = this.clock.now();
    this.onChange();
  }

  deleteQueue(name: string): void {
    const queue = this.queue(name);
    this.releaseWaiters(queue);
    this.queues.delete(name);
    this.onChange();
  }

  sendMessage(queueName: string, body: string, options: SendMessageOptions = {}): SentMessage {
    const queue = this.queue(queueName);
    if (body.length === 0) {
      throw new AwsServiceError('MissingParameter', 'The request must contain the parameter MessageBody.', 400, 'MissingParameter');
    }
    if (INVALID_BODY_CHARACTER.test(body)) {
      throw new AwsServiceError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const attributes = options.messageAttributes && Object.keys(options.messageAttributes).length > 0
      ? options.messageAttributes
      : undefined;
    // The queue's own limit, as SQS checks it: a message of exactly that size is accepted.
    const limit = queue.config.maximumMessageSize;
    if (messageSize(body, attributes) > limit) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`);
    }
    const delaySeconds = options.delaySeconds ?? queue.config.delaySeconds;
    checkIntegerRange('DelaySeconds', delaySeconds, 0, MAX_DELAY_SECONDS);
    const groupId = options.messageGroupId;
    if (groupId !== undefined && !MESSAGE_GROUP_ID.test(groupId)) {
      throw invalidParameter(
        `Value ${groupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }

    const now = this.clock.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      ...(attributes ? { messageAttributes: attributes } : {}),
      ...(groupId === undefined ? {} : { messageGroupId: groupId }),
      sentTimestamp: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    };
    queue.messages.set(message.messageId, message);
    this.onChange();
    this.serveWaiters(queue);
    return {
      messageId: message.messageId,
      md5OfMessageBody: md5Hex(body),
      ...(attributes ? { md5OfMessageAttributes: md5OfMessageAttributes(attributes) } : {}),
    };
  }

  /**
   * Receives up to maxNumberOfMessages. With a wait time it resolves as soon as at least one
   * message is available, or with [] when the wait ends (or the engine closes).
   */
  async receiveMessages(queueName: string, options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const queue = this.queue(queueName);
    const resolved: Required<Omit<ReceiveOptions, 'signal'>> = {
      maxNumberOfMessages: options.maxNumberOfMessages ?? 1,
      waitTimeSeconds: options.waitTimeSeconds ?? queue.config.receiveMessageWaitTimeSeconds,
      visibilityTimeout: options.visibilityTimeout ?? queue.config.visibilityTimeout,
    };
    checkIntegerRange('MaxNumberOfMessages', resolved.maxNumberOfMessages, 1, 10);
    checkIntegerRange('WaitTimeSeconds', resolved.waitTimeSeconds, 0, 20);
    checkIntegerRange('VisibilityTimeout', resolved.visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT);

    if (options.signal?.aborted) return [];
    const immediate = this.take(queue, resolved);
    if (immediate.length > 0 || resolved.waitTimeSeconds === 0 || this.closed) return immediate;

    return new Promise((resolve) => {
      const finish = (messages: ReceivedMessage[]) => {
        clearTimeout(waiter.deadline);
        removeItem(queue.waiters, waiter);
        options.signal?.removeEventListener('abort', abandon);
        resolve(messages);
      };
      const abandon = () => finish([]);
      const waiter: Waiter = {
        options: resolved,
        resolve: finish,
        deadline: backgroundTimer(resolved.waitTimeSeconds * 1000, abandon),
      };
      options.signal?.addEventListener('abort', abandon, { once: true });
      queue.waiters.push(waiter);
      this.armWakeTimer(queue);
    });
  }

  /**
   * Deletes by receipt handle. Like AWS, a stale handle (the message was received again since)
   * or the handle of an already deleted message succeeds without deleting anything.
   */
  deleteMessage(queueName: string, receiptHandle: string): void {
    const queue = this.queue(queueName);
    const handle = this.parseReceiptHandle(queueName, receiptHandle);
    const message = queue.messages.get(handle.messageId);
    if (message && message.receiptNonce === handle.nonce) {
      queue.messages.delete(handle.messageId);
      // Receive to delete: the consumer time this message's tenant took (fair-queue detection).
      const now = this.clock.now();
      if (message.lastReceiveTimestamp !== undefined) queue.tenants.recordProcessing(tenantOf(message), now - message.lastReceiveTimestamp, now);
      this.onChange();
    }
  }

  changeMessageVisibility(queueName: string, receiptHandle: string, visibilityTimeout: number): void {
    const queue = this.queue(queueName);
    checkIntegerRange('VisibilityTimeout', visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT);
    const handle = this.parseReceiptHandle(queueName, receiptHandle);
    const message = queue.messages.get(handle.messageId);
    const now = this.clock.now();
    if (!message || message.receiptNonce !== handle.nonce || message.visibleAt <= now) {
      throw invalidParameter(
        `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    message.visibleAt = now + visibilityTimeout * 1000;
    this.onChange();
    this.serveWaiters(queue);
  }

  purgeQueue(queueName: string): void {
    const queue = this.queue(queueName);
    queue.messages.clear();
    this.onChange();
  }

  /** The numeric and descriptive attributes GetQueueAttributes reports, as AWS formats them. */
  queueAttributes(queueName: string): Record<string, string> {
    const queue = this.queue(queueName);
    this.dropExpired(queue);
    const now = this.clock.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiveCount === 0) delayed += 1;
      else inFlight += 1;
    }
    const { config } = queue;
    return {
      QueueArn: this.queueArn(config.name),
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(queue.createdTimestamp / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedTimestamp / 1000)),
      VisibilityTimeout: String(config.visibilityTimeout),
      DelaySeconds: String(config.delaySeconds),
      MessageRetentionPeriod: String(config.messageRetentionPeriod),
      MaximumMessageSize: String(config.maximumMessageSize),
      ReceiveMessageWaitTimeSeconds: String(config.receiveMessageWaitTimeSeconds),
      SqsManagedSseEnabled: 'false',
      ...(config.redrive
        ? {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: this.queueArn(config.redrive.deadLetterTargetName),
              maxReceiveCount: config.redrive.maxReceiveCount,
            }),
          }
        : {}),
    };
  }

  /**
   * Local only: in-flight messages last received before `receivedBefore` (epoch ms) become
   * visible now, as if their visibility timeout had run out. The chaos run uses it once the
   * consumer that held them was killed, instead of waiting out the 6-minute timeout.
   * Returns how many were released.
   */
  expireInFlight(queueName: string, receivedBefore: number): number {
    const queue = this.queue(queueName);
    const now = this.clock.now();
    let released = 0;
    for (const message of queue.messages.values()) {
      if (message.receiveCount === 0 || message.visibleAt <= now) continue;
      const receivedAt = message.lastReceiveTimestamp ?? message.visibleAt - queue.config.visibilityTimeout * 1000;
      if (receivedAt >= receivedBefore) continue;
      message.visibleAt = now;
      // The holder's receipt handle goes stale, as after a real timeout and a new receive.
      released += 1;
    }
    if (released > 0) {
      this.onChange();
      this.serveWaiters(queue);
    }
    return released;
  }

  /** Every message currently stored (any visibility), for tests and tooling. */
  peekMessages(queueName: string): StoredMessage[] {
    return [...this.queue(queueName).messages.values()].map((message) => ({ ...message }));
  }

  snapshot(): QueueSnapshot[] {
    return [...this.queues.values()].map((queue) => ({
      config: { ...queue.config },
      createdTimestamp: queue.createdTimestamp,
      messages: [...queue.messages.values()].map((message) => ({ ...message })),
    }));
  }

  /** Loads saved queues and messages; configured queues keep their configured settings. */
  restore(snapshots: QueueSnapshot[]): void {
    const ordered = [...snapshots].sort((a, b) => Number(Boolean(a.config.redrive)) - Number(Boolean(b.config.redrive)));
    for (const saved of ordered) {
      let queue = this.queues.get(saved.config.name);
      if (!queue) {
        if (saved.config.redrive && !this.queues.has(saved.config.redrive.deadLetterTargetName)) continue;
        queue = new Queue(resolveConfig(saved.config), saved.createdTimestamp, saved.createdTimestamp);
        this.queues.set(saved.config.name, queue);
      }
      queue.messages.clear();
      for (const message of saved.messages) queue.messages.set(message.messageId, { ...message });
    }
  }

  /** Answers pending long polls with [] and stops all timers. */
  close(): void {
    this.closed = true;
    this.unsubscribeClock?.();
    for (const queue of this.queues.values()) this.releaseWaiters(queue);
  }

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  private checkRedrive(config: ResolvedQueueConfig): void {
    if (!config.redrive) return;
    const target = config.redrive.deadLetterTargetName;
    if (target === config.name || !this.queues.has(target)) {
      throw new AwsServiceError(
        'InvalidAttributeValue',
        `Value for parameter RedrivePolicy is invalid. Reason: Dead-letter target does not exist: ${this.queueArn(target)}`,
        400,
        'InvalidAttributeValue',
      );
    }
  }

  private parseReceiptHandle(queueName: string, receiptHandle: string): { messageId: string; nonce: string } {
    const [queue, messageId, nonce, ...rest] = Buffer.from(receiptHandle, 'base64url').toString('utf8').split(':');
    if (queue !== queueName || !messageId || !nonce || rest.length > 0) {
      throw new AwsServiceError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
        404,
        'ReceiptHandleIsInvalid',
      );
    }
    return { messageId, nonce };
  }

  private dropExpired(queue: Queue): void {
    const oldestKept = this.clock.now() - queue.config.messageRetentionPeriod * 1000;
    for (const [id, message] of queue.messages) {
      if (message.sentTimestamp <= oldestKept) queue.messages.delete(id);
    }
  }

  /** Tenants currently noisy on a queue (fair-queue order), for tests and tooling. */
  noisyTenants(queueName: string): string[] {
    return this.queue(queueName).tenants.noisyTenants();
  }

  /**
   * Picks visible messages in fair-queue order (quiet tenants first), redriving those past
   * maxReceiveCount, and marks the rest in flight.
   */
  private take(queue: Queue, options: Required<Omit<ReceiveOptions, 'signal'>>): ReceivedMessage[] {
    this.dropExpired(queue);
    const now = this.clock.now();
    const visible: StoredMessage[] = [];
    const loads = new Map<string, TenantLoad>();
    for (const message of queue.messages.values()) {
      const tenant = tenantOf(message);
      let load = loads.get(tenant);
      if (!load) loads.set(tenant, (load = { inFlight: 0, visible: 0, lastSentAt: 0, inFlightMs: 0 }));
      load.lastSentAt = Math.max(load.lastSentAt, message.sentTimestamp);
      if (message.visibleAt <= now) {
        load.visible += 1;
        visible.push(message);
      } else if (message.receiveCount > 0) {
        load.inFlight += 1;
        load.inFlightMs += now - (message.lastReceiveTimestamp ?? now);
      }
    }
    if (visible.length === 0) return [];
    queue.tenants.update(loads, now);
    const order = fairReceiveOrder(visible, tenantOf, (tenant) => queue.tenants.isNoisy(tenant), (tenant) => loads.get(tenant)?.inFlight ?? 0);
    const received: ReceivedMessage[] = [];
    for (const message of order) {
      if (received.length >= options.maxNumberOfMessages) break;
      loads.get(tenantOf(message))!.visible -= 1;
      const redrive = queue.config.redrive;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        this.moveToDeadLetterQueue(queue, message, redrive.deadLetterTargetName);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.lastReceiveTimestamp = now;
      message.receiptNonce = randomUUID();
      message.visibleAt = now + options.visibilityTimeout * 1000;
      received.push(this.toReceived(queue, message));
    }
    queue.tenants.settle(loads);
    if (received.length > 0) this.onChange();
    return received;
  }

  private moveToDeadLetterQueue(source: Queue, message: StoredMessage, targetName: string): void {
    source.messages.delete(message.messageId);
    const target = this.queues.get(targetName);
    if (!target) return; // the DLQ was deleted: AWS drops such messages as well
    const { receiptNonce: _staleHandle, ...kept } = message;
    target.messages.set(message.messageId, {
      ...kept,
      visibleAt: this.clock.now(),
      deadLetterQueueSourceArn: this.queueArn(source.config.name),
    });
    this.onChange();
    this.serveWaiters(target);
  }

  private toReceived(queue: Queue, message: StoredMessage): ReceivedMessage {
    const receiptHandle = Buffer.from(`${queue.config.name}:${message.messageId}:${message.receiptNonce}`).toString('base64url');
    return {
      messageId: message.messageId,
      receiptHandle,
      body: message.body,
      md5OfBody: md5Hex(message.body),
      attributes: {
        SenderId: this.accountId,
        SentTimestamp: String(message.sentTimestamp),
        ...(message.messageGroupId === undefined ? {} : { MessageGroupId: message.messageGroupId }),
        ApproximateReceiveCount: String(message.receiveCount),
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? this.clock.now()),
        ...(message.deadLetterQueueSourceArn ? { DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn } : {}),
      },
      ...(message.messageAttributes
        ? {
            messageAttributes: message.messageAttributes,
            md5OfMessageAttributes: md5OfMessageAttributes(message.messageAttributes),
          }
        : {}),
    };
  }

  /** Hands newly visible messages to long polls, oldest poll first. */
  private serveWaiters(queue: Queue): void {
    while (queue.waiters.length > 0) {
      const waiter = queue.waiters[0]!;
      const messages = this.take(queue, waiter.options);
      if (messages.length === 0) break;
      waiter.resolve(messages); // also removes it from the queue's waiters
    }
    this.armWakeTimer(queue);
  }

  /** While polls wait, wake up when the next delayed or in-flight message becomes visible. */
  private armWakeTimer(queue: Queue): void {
    if (queue.wakeTimer) clearTimeout(queue.wakeTimer);
    queue.wakeTimer = undefined;
    if (queue.waiters.length === 0 || this.closed) return;
    let next = Infinity;
    for (const message of queue.messages.values()) next = Math.min(next, message.visibleAt);
    if (next === Infinity) return;
    queue.wakeTimer = backgroundTimer(next - this.clock.now() + 1, () => {
      queue.wakeTimer = undefined;
      this.serveWaiters(queue);
    });
  }

  private releaseWaiters(queue: Queue): void {
    if (queue.wakeTimer) clearTimeout(queue.wakeTimer);
    queue.wakeTimer = undefined;
    for (const waiter of [...queue.waiters]) waiter.resolve([]);
  }
}

/** What SQS counts against MaximumMessageSize: the body's bytes and every attribute's name, type and value. */
export function messageSize(body: string, attributes?: Record<string, MessageAttributeValue>): number {
  return Buffer.byteLength(body) + (attributes ? attributesSize(attributes) : 0);
}

function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    size += value.BinaryValue !== undefined ? Buffer.from(value.BinaryValue, 'base64').length : Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

function removeItem<T>(items: T[], item: T): void {
  const index = items.indexOf(item);
  if (index >= 0) items.splice(index, 1);
}
