// Idempotency-Key records: a POST's lock, its request fingerprint and its first answer (24 h).
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isConditionFailure, type Table } from '../dynamodb-table';
import { keys, PK, TTL } from '../table-keys';

export interface StoredResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Never holds a signing secret: api/idempotency.ts stores `secret` as null and names its endpoint in `secretOf`. */
  readonly body: string;
  /** The endpoint whose current secret a replay puts back into the body's `secret`. */
  readonly secretOf?: string;
}

export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in_progress' }
  | { readonly kind: 'mismatch' };

export class IdempotencyStore {
  constructor(private readonly table: Table) {}

  /**
   * Takes the idempotency key for one request. A key already used answers with the first response
   * (same request) or a mismatch (different request); a key whose holder died is taken over once
   * its lock runs out.
   */
  async claimIdempotencyKey(
    accountId: string,
    idempotencyKey: string,
    fingerprint: string,
    options: { now: Date; ttlSeconds: number; lockSeconds: number },
  ): Promise<IdempotencyClaim> {
    const key = keys.idempotency(accountId, idempotencyKey);
    const nowSeconds = epochSeconds(options.now);
    try {
      await this.table.documents.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...key,
            state: 'in_progress',
            fingerprint,
            lockedUntil: nowSeconds + options.lockSeconds,
            createdAt: options.now.toISOString(),
            [TTL]: nowSeconds + options.ttlSeconds,
          },
          // TTL deletion lags, so an expired record counts as absent.
          ConditionExpression:
            'attribute_not_exists(#pk) OR #ttl <= :now OR (#state = :inProgress AND lockedUntil <= :now AND fingerprint = :fingerprint)',
          ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL, '#state': 'state' },
          ExpressionAttributeValues: { ':now': nowSeconds, ':inProgress': 'in_progress', ':fingerprint': fingerprint },
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: key, ConsistentRead: true }));
    if (!Item) return { kind: 'in_progress' };
    if (Item.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (Item.state === 'complete' && Item.response) return { kind: 'replay', response: Item.response as StoredResponse };
    return { kind: 'in_progress' };
  }

  async completeIdempotencyKey(accountId: string, idempotencyKey: string, fingerprint: string, response: StoredResponse): Promise<void> {
    await this.table.documents.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.idempotency(accountId, idempotencyKey),
        UpdateExpression: 'SET #state = :complete, #response = :response REMOVE lockedUntil',
        ConditionExpression: 'fingerprint = :fingerprint',
        ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
        ExpressionAttributeValues: { ':complete': 'complete', ':response': response, ':fingerprint': fingerprint },
      }),
    );
  }

  /** Frees the key after a request that changed nothing, so the client may try again with it. */
  async releaseIdempotencyKey(accountId: string, idempotencyKey: string, fingerprint: string): Promise<void> {
    try {
      await this.table.documents.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.idempotency(accountId, idempotencyKey),
          ConditionExpression: 'fingerprint = :fingerprint AND #state = :inProgress',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':fingerprint': fingerprint, ':inProgress': 'in_progress' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
