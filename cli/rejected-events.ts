// Reads the producer events the dispatcher rejected on one day (invalid data, an unknown event
// type, an unknown account...), for `npm run admin -- rejected`. The dispatcher writes one item
// per rejection (see lambdas/adapters/table-design.ts):
//   pk REJECTED#<yyyy-mm-dd>, sk <receivedAt>#<envelope id>, envelopeId, reason, receivedAt, excerpt
// This is a query of its own on those keys rather than a store method, so the CLI depends on
// the item layout only, not on how the delivery code organises its stores.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
