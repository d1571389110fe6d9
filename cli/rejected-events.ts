// Reads the producer events nobody will get, for `npm run admin -- rejected`:
// - those the dispatcher rejected on one day (invalid data, an unknown event type, an unknown
//   account...). The dispatcher writes one item per rejection (see lambdas/adapters/table-design.ts):
//     pk REJECTED#<yyyy-mm-dd>, sk <receivedAt>#<envelope id>, envelopeId, reason, receivedAt, excerpt
//   This is a query of its own on those keys rather than a store method, so the CLI depends on
//   the item layout only, not on how the delivery code organises its stores.
// - those EventBridge could not put on the dispatch queue, which sit in the bus rule target's
//   dead-letter queue with the error in message attributes (ERROR_CODE, ERROR_MESSAGE). Listing
//   them never removes them: each is handed back (visibility 0) once read.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '../lambdas/adapters/table-design';

export interface RejectedEventRecord {
  readonly envelopeId: string;
  readonly reason: string;
  /** ISO-8601, when the dispatcher received it. */
  readonly receivedAt: string;
  /** The start of what arrived, for a person to diagnose it. */
  readonly excerpt: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  const parts = DAY.exec(value);
  if (!parts) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Every rejected event of a UTC day, oldest first; `pageSize` only bounds each DynamoDB page. */
export async function listRejectedEventsOfDay(
  client: DynamoDBClient,
  tableName: string,
  day: string,
  pageSize?: number,
): Promise<RejectedEventRecord[]> {
  if (!isDay(day)) throw new RangeError(`day must be YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const documents = DynamoDBDocumentClient.from(client);
  const events: RejectedEventRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: { ':pk': `REJECTED#${day}` },
        ...(pageSize ? { Limit: pageSize } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) events.push(rejectedEventOf(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return events;
}

/** Only the four documented fields, whatever else the item carries (keys, TTL). */
function rejectedEventOf(item: Record<string, unknown>): RejectedEventRecord {
  const text = (name: string) => (typeof item[name] === 'string' ? (item[name] as string) : '');
  return { envelopeId: text('envelopeId'), reason: text('reason'), receivedAt: text('receivedAt'), excerpt: text('excerpt') };
}

/** As much of an event's body as the dispatcher keeps in a REJECTED# item's excerpt. */
const EXCERPT_CHARACTERS = 2048;
/** How long a message read from the dead-letter queue stays hidden at most (a crash mid-listing). */
export const DEAD_LETTER_HOLD_SECONDS = 30;
/** Listing stops here; the alarm and the queue's own count tell about the rest. */
export const DEAD_LETTER_LIST_LIMIT = 1000;
const SQS_BATCH = 10;

export interface DeadLetterListing {
  /** Oldest first (by when each was dead-lettered), with the reason from ERROR_CODE and ERROR_MESSAGE. */
  readonly events: RejectedEventRecord[];
  /** True when listing stopped at its limit: the queue may hold more. */
  readonly truncated: boolean;
}

/**
 * Every event in the rule target's dead-letter queue. Messages are received with a short
 * visibility timeout, so each receive brings new ones (with 0 a queue would keep answering the
 * same first ten), and all are made visible again before returning: the queue, its alarm and
 * whoever redrives it see them as before. Only their receive count goes up.
 */
export async function listRuleDeadLetters(sqs: SQSClient, queueUrl: string, limit = DEAD_LETTER_LIST_LIMIT): Promise<DeadLetterListing> {
  const held: string[] = [];
  const events = new Map<string, RejectedEventRecord>();
  let truncated = false;
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: SQS_BATCH,
          // A long poll asks every SQS server, so an empty answer means an empty queue.
          WaitTimeSeconds: 1,
          VisibilityTimeout: DEAD_LETTER_HOLD_SECONDS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (message.ReceiptHandle) held.push(message.ReceiptHandle);
        if (message.MessageId && !events.has(message.MessageId)) events.set(message.MessageId, deadLetteredEventOf(message));
      }
      if (events.size >= limit) {
        truncated = true;
        break;
      }
    }
  } finally {
    await release(sqs, queueUrl, held);
  }
  const sorted = [...events.values()].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  return { events: sorted.slice(0, limit), truncated };
}

/** Makes the messages read visible again at once, ten per request. */
async function release(sqs: SQSClient, queueUrl: string, receiptHandles: readonly string[]): Promise<void> {
  for (let start = 0; start < receiptHandles.length; start += SQS_BATCH) {
    const entries = receiptHandles.slice(start, start + SQS_BATCH).map((handle, index) => ({ Id: `m${index}`, ReceiptHandle: handle, VisibilityTimeout: 0 }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

/** The body is the event envelope the target would have got; the attributes say why it did not. */
function deadLetteredEventOf(message: Message): RejectedEventRecord {
  const body = message.Body ?? '';
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  let envelopeId: string | undefined;
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    if (typeof parsed.id === 'string') envelopeId = parsed.id;
  } catch {
    // Not an EventBridge envelope (someone else's message): listed by its message id.
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  const code = attribute('ERROR_CODE') ?? 'unknown error';
  const detail = attribute('ERROR_MESSAGE');
  return {
    envelopeId: envelopeId ?? message.MessageId ?? '',
    reason: `EventBridge could not deliver it to the rule's target (${code})${detail ? `: ${detail}` : ''}`,
    receivedAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : '',
    excerpt: body.slice(0, EXCERPT_CHARACTERS),
  };
}
