// SQS JSON protocol (`X-Amz-Target: AmazonSQS.<Op>`) on top of the in-memory engine. A
// MessageGroupId on a send (a standard queue's fair-queue tenant) is taken as SQS takes it.
import { AwsServiceError, unknownOperation } from './errors';
import {
  type JsonObject,
  isJsonObject,
  objectList,
  optionalInteger,
  optionalObject,
  optionalString,
  optionalStringList,
  requiredString,
} from './request-fields';
import {
  type MessageAttributeValue,
  type QueueConfig,
  type ReceivedMessage,
  type SqsEngine,
  md5OfMessageAttributes,
  messageSize,
  queueDoesNotExist,
  SQS_MAX_MESSAGE_BYTES,
} from './sqs';

type Operation = (engine: SqsEngine, input: JsonObject, signal?: AbortSignal) => unknown;

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_BATCH_ENTRIES = 10;

const operations: Record<string, Operation> = {
  CreateQueue(engine, input) {
    const name = requiredString(input, 'QueueName');
    return { QueueUrl: engine.createQueue({ name, ...queueSettings(engine, optionalObject(input, 'Attributes') ?? {}) }) };
  },

  GetQueueUrl(engine, input) {
    const name = requiredString(input, 'QueueName');
    if (!engine.hasQueue(name)) throw queueDoesNotExist();
    return { QueueUrl: engine.queueUrl(name) };
  },

  ListQueues(engine, input) {
    const maxResults = optionalInteger(input, 'MaxResults') ?? 1000;
    const start = Number(optionalString(input, 'NextToken') ?? '0');
    const names = engine.listQueueNames(optionalString(input, 'QueueNamePrefix') ?? '');
    const page = names.slice(start, start + maxResults);
    const more = start + maxResults < names.length;
    return {
      QueueUrls: page.map((name) => engine.queueUrl(name)),
      ...(more && input['MaxResults'] !== undefined ? { NextToken: String(start + maxResults) } : {}),
    };
  },

  DeleteQueue(engine, input) {
    engine.deleteQueue(queueName(engine, input));
    return {};
  },

  GetQueueAttributes(engine, input) {
    const name = queueName(engine, input);
    const all = engine.queueAttributes(name);
    const requested = optionalStringList(input, 'AttributeNames');
    if (requested.includes('All')) return { Attributes: all };
    const attributes: Record<string, string> = {};
    for (const attribute of requested) {
      if (!KNOWN_QUEUE_ATTRIBUTES.has(attribute)) {
        throw new AwsServiceError('InvalidAttributeName', `Unknown Attribute ${attribute}.`, 400, 'InvalidAttributeName');
      }
      const value = all[attribute];
      if (value !== undefined) attributes[attribute] = value;
    }
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  },

  SetQueueAttributes(engine, input) {
    engine.updateQueue(queueName(engine, input), queueSettings(engine, optionalObject(input, 'Attributes') ?? {}));
    return {};
  },

  PurgeQueue(engine, input) {
    engine.purgeQueue(queueName(engine, input));
    return {};
  },

  SendMessage(engine, input) {
    const sent = engine.sendMessage(queueName(engine, input), requiredString(input, 'MessageBody'), {
      delaySeconds: optionalInteger(input, 'DelaySeconds'),
      messageAttributes: messageAttributes(input),
      messageGroupId: optionalString(input, 'MessageGroupId'),
    });
    return {
      MessageId: sent.messageId,
      MD5OfMessageBody: sent.md5OfMessageBody,
      ...(sent.md5OfMessageAttributes ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes } : {}),
    };
  },

  SendMessageBatch(engine, input) {
    const name = queueName(engine, input);
    const entries = batchEntries(input);
    // SQS caps the whole batch at its largest message size (1 MiB); each entry over the queue's
    // own MaximumMessageSize fails on its own, like a SendMessage of it would.
    const totalBytes = entries.reduce((sum, entry) => sum + batchEntrySize(entry), 0);
    if (totalBytes > SQS_MAX_MESSAGE_BYTES) {
      throw new AwsServiceError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${SQS_MAX_MESSAGE_BYTES} bytes. You have sent ${totalBytes} bytes.`,
        400,
        'AWS.SimpleQueueService.BatchRequestTooLong',
      );
    }
    return runBatch(entries, (entry) => {
      const sent = engine.sendMessage(name, requiredString(entry, 'MessageBody'), {
        delaySeconds: optionalInteger(entry, 'DelaySeconds'),
        messageAttributes: messageAttributes(entry),
        messageGroupId: optionalString(entry, 'MessageGroupId'),
      });
      return {
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5OfMessageBody,
        ...(sent.md5OfMessageAttributes ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes } : {}),
      };
    });
  },

  async ReceiveMessage(engine, input, signal) {
    const name = queueName(engine, input);
    const systemAttributeNames = [
      ...optionalStringList(input, 'MessageSystemAttributeNames'),
      ...optionalStringList(input, 'AttributeNames'),
    ];
    const messageAttributeNames = optionalStringList(input, 'MessageAttributeNames');
    const messages = await engine.receiveMessages(name, {
      maxNumberOfMessages: optionalInteger(input, 'MaxNumberOfMessages'),
      waitTimeSeconds: optionalInteger(input, 'WaitTimeSeconds'),
      visibilityTimeout: optionalInteger(input, 'VisibilityTimeout'),
      signal,
    });
    return { Messages: messages.map((message) => renderMessage(message, systemAttributeNames, messageAttributeNames)) };
  },

  DeleteMessage(engine, input) {
    engine.deleteMessage(queueName(engine, input), requiredString(input, 'ReceiptHandle'));
    return {};
  },

  DeleteMessageBatch(engine, input) {
    const name = queueName(engine, input);
    return runBatch(batchEntries(input), (entry) => {
      engine.deleteMessage(name, requiredString(entry, 'ReceiptHandle'));
      return {};
    });
  },

  ChangeMessageVisibility(engine, input) {
    engine.changeMessageVisibility(
      queueName(engine, input),
      requiredString(input, 'ReceiptHandle'),
      requiredInteger(input, 'VisibilityTimeout'),
    );
    return {};
  },

  ChangeMessageVisibilityBatch(engine, input) {
    const name = queueName(engine, input);
    return runBatch(batchEntries(input), (entry) => {
      engine.changeMessageVisibility(name, requiredString(entry, 'ReceiptHandle'), requiredInteger(entry, 'VisibilityTimeout'));
      return {};
    });
  },
};

/** `signal` aborts when the client disconnects (ends a long poll without taking messages). */
export async function handleSqsOperation(engine: SqsEngine, operation: string, input: unknown, signal?: AbortSignal): Promise<unknown> {
  const handler = operations[operation];
  if (!handler) throw unknownOperation('SQS', operation);
  return handler(engine, isJsonObject(input) ? input : {}, signal);
}

const KNOWN_QUEUE_ATTRIBUTES = new Set([
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'VisibilityTimeout',
  'DelaySeconds',
  'MessageRetentionPeriod',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'Policy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
]);

// Accepted so that real-world CreateQueue calls work, but they change nothing locally.
const IGNORED_QUEUE_ATTRIBUTES = new Set([
  'Policy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
]);

function queueName(engine: SqsEngine, input: JsonObject): string {
  return engine.queueNameFromUrl(requiredString(input, 'QueueUrl'));
}

function requiredInteger(input: JsonObject, name: string): number {
  const value = optionalInteger(input, name);
  if (value === undefined) {
    throw new AwsServiceError('MissingParameter', `The request must contain the parameter ${name}.`, 400, 'MissingParameter');
  }
  return value;
}

function invalidAttributeValue(name: string, reason: string): AwsServiceError {
  return new AwsServiceError('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: ${reason}`, 400, 'InvalidAttributeValue');
}

function integerAttribute(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw invalidAttributeValue(name, 'must be an integer.');
  return Number(value);
}

/** Queue attributes (string map, as on the wire) to engine settings. */
function queueSettings(engine: SqsEngine, attributes: JsonObject): Omit<QueueConfig, 'name'> {
  const settings: Omit<QueueConfig, 'name'> = {};
  for (const [name, raw] of Object.entries(attributes)) {
    const value = String(raw);
    switch (name) {
      case 'VisibilityTimeout':
        settings.visibilityTimeout = integerAttribute(name, value);
        break;
      case 'DelaySeconds':
        settings.delaySeconds = integerAttribute(name, value);
        break;
      case 'MessageRetentionPeriod':
        settings.messageRetentionPeriod = integerAttribute(name, value);
        break;
      case 'ReceiveMessageWaitTimeSeconds':
        settings.receiveMessageWaitTimeSeconds = integerAttribute(name, value);
        break;
      case 'MaximumMessageSize':
        settings.maximumMessageSize = integerAttribute(name, value);
        break;
      case 'RedrivePolicy':
        settings.redrive = value === '' ? undefined : redrivePolicy(engine, value);
        break;
      default:
        if (!IGNORED_QUEUE_ATTRIBUTES.has(name)) {
          throw new AwsServiceError(
            'InvalidAttributeName',
            `Unknown Attribute ${name} (or not emulated by the local AWS endpoint).`,
            400,
            'InvalidAttributeName',
          );
        }
    }
  }
  return settings;
}

function redrivePolicy(engine: SqsEngine, value: string): QueueConfig['redrive'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidAttributeValue('RedrivePolicy', 'must be a JSON object.');
  }
  if (!isJsonObject(parsed) || typeof parsed['deadLetterTargetArn'] !== 'string') {
    throw invalidAttributeValue('RedrivePolicy', 'deadLetterTargetArn is required.');
  }
  const arn = parsed['deadLetterTargetArn'];
  const target = engine.queueNameFromArn(arn);
  if (!target) throw invalidAttributeValue('RedrivePolicy', `Dead-letter target does not exist: ${arn}`);
  return { deadLetterTargetName: target, maxReceiveCount: Number(parsed['maxReceiveCount']) };
}

function messageAttributes(input: JsonObject): Record<string, MessageAttributeValue> | undefined {
  const raw = optionalObject(input, 'MessageAttributes');
  if (!raw) return undefined;
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!isJsonObject(value) || typeof value['DataType'] !== 'string') {
      throw new AwsServiceError('InvalidParameterValue', `The message attribute '${name}' must contain a non-empty attribute type.`, 400, 'InvalidParameterValue');
    }
    const stringValue = value['StringValue'];
    const binaryValue = value['BinaryValue'];
    if (typeof stringValue !== 'string' && typeof binaryValue !== 'string') {
      throw new AwsServiceError('InvalidParameterValue', `The message attribute '${name}' must contain a non-empty message attribute value.`, 400, 'InvalidParameterValue');
    }
    attributes[name] = {
      DataType: value['DataType'],
      ...(typeof stringValue === 'string' ? { StringValue: stringValue } : {}),
      ...(typeof binaryValue === 'string' ? { BinaryValue: binaryValue } : {}),
    };
  }
  return attributes;
}

/** An entry's body and attributes; attributes it cannot parse count nothing (the entry fails on its own). */
function batchEntrySize(entry: JsonObject): number {
  const body = typeof entry['MessageBody'] === 'string' ? entry['MessageBody'] : '';
  let attributes: Record<string, MessageAttributeValue> | undefined;
  try {
    attributes = messageAttributes(entry);
  } catch {
    attributes = undefined;
  }
  return messageSize(body, attributes);
}

function batchEntries(input: JsonObject): JsonObject[] {
  const entries = objectList(input, 'Entries');
  if (entries.length === 0) {
    throw new AwsServiceError(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
      400,
      'AWS.SimpleQueueService.EmptyBatchRequest',
    );
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new AwsServiceError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      400,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  }
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = entry['Id'];
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw new AwsServiceError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        400,
        'AWS.SimpleQueueService.InvalidBatchEntryId',
      );
    }
    if (ids.has(id)) {
      throw new AwsServiceError(
        'BatchEntryIdsNotDistinct',
        `Id ${id} repeated.`,
        400,
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      );
    }
    ids.add(id);
  }
  return entries;
}

/** Runs each entry on its own: a failing entry is reported in Failed, the others still succeed. */
function runBatch(entries: JsonObject[], run: (entry: JsonObject) => JsonObject) {
  const successful: JsonObject[] = [];
  const failed: JsonObject[] = [];
  for (const entry of entries) {
    const id = entry['Id'] as string;
    try {
      successful.push({ Id: id, ...run(entry) });
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      failed.push({ Id: id, SenderFault: error.httpStatus < 500, Code: error.queryErrorCode ?? error.code, Message: error.message });
    }
  }
  return { Successful: successful, Failed: failed };
}

/** Keeps the attributes the caller asked for (`All`, exact names, or `prefix.*`). */
function pickAttributes<T>(all: Record<string, T> | undefined, requested: string[]): Record<string, T> | undefined {
  if (!all || requested.length === 0) return undefined;
  const wanted = (name: string) =>
    requested.some((pattern) =>
      pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
  const picked = Object.fromEntries(Object.entries(all).filter(([name]) => wanted(name)));
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function renderMessage(message: ReceivedMessage, systemAttributeNames: string[], messageAttributeNames: string[]): JsonObject {
  const attributes = pickAttributes(message.attributes, systemAttributeNames);
  const userAttributes = pickAttributes(message.messageAttributes, messageAttributeNames);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(attributes ? { Attributes: attributes } : {}),
    // The digest covers the attributes returned, so clients can check what they received.
    ...(userAttributes ? { MD5OfMessageAttributes: md5OfMessageAttributes(userAttributes), MessageAttributes: userAttributes } : {}),
  };
}
