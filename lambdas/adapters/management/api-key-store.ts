// API keys: stored as a SHA-256 hash with a visible, unique prefix (for revoke-key by prefix).
// Looked up strongly consistent, so a revocation applies to the very next request; each records
// its last use at most hourly (one write per key and hour, whatever the traffic).
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cancelledConditions, conditionHeld, type Table } from '../dynamodb-table';
import { GSI1, GSI1PK, GSI1SK, type ItemKey, keys, PK } from '../table-keys';
import { revokeByPrefix } from './revoke-by-prefix';

export interface ApiKeyRecord {
  readonly keyPrefix: string;
  readonly accountId: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** Refused from this time on (create-key --expires-in-days); absent: never expires. */
  readonly validUntil?: string;
  /** The last request made with the key, to the hour (see LAST_USE_INTERVAL_MS). */
  readonly lastUsedAt?: string;
}

/** The one attribute the management API writes on a key item (its IAM grant names no other: lib/table-access.ts). */
export const LAST_USED_ATTRIBUTE = 'lastUsedAt';
/** A key's last use is written again only once this much older: at most one write per key and hour. */
export const LAST_USE_INTERVAL_MS = 3_600_000;

/** Whether a key record is past its validUntil at `now`. */
export function isExpired(record: { readonly validUntil?: string }, now: Date): boolean {
  return record.validUntil !== undefined && Date.parse(record.validUntil) <= now.getTime();
}

/** Whether the record's last use is older than the interval, so a request should stamp it. */
export function lastUseIsStale(record: { readonly lastUsedAt?: string }, now: Date): boolean {
  return record.lastUsedAt === undefined || Date.parse(record.lastUsedAt) <= now.getTime() - LAST_USE_INTERVAL_MS;
}

/**
 * Stamps `lastUsedAt` on an existing key item (API or admin), unless another request did within
 * the interval: a conditional write that names only the key and that attribute, so it can neither
 * make a key item nor change what a key may do. False when the condition held it back.
 */
export async function stampLastUse(table: Table, key: ItemKey, now: Date): Promise<boolean> {
  return conditionHeld(
    table.documents.send(
      new UpdateCommand({
        TableName: table.name,
        Key: key,
        UpdateExpression: 'SET #used = :now',
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#used) OR #used <= :stale)',
        ExpressionAttributeNames: { '#pk': PK, '#used': LAST_USED_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': now.toISOString(), ':stale': new Date(now.getTime() - LAST_USE_INTERVAL_MS).toISOString() },
      }),
    ),
  );
}

export type CreateApiKeyResult = 'created' | 'account_not_found' | 'key_conflict';

export class ApiKeyStore {
  constructor(private readonly table: Table) {}

  /** Stores the hash, claims the visible prefix (so revoke-by-prefix is unambiguous), checks the account exists. */
  async createApiKey(record: { keyHash: string; keyPrefix: string; accountId: string; createdAt: string; validUntil?: string }): Promise<CreateApiKeyResult> {
    const { keyHash, ...visible } = record;
    const TableName = this.table.name;
    const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
    try {
      await this.table.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: { ...keys.apiKey(keyHash), ...visible, [GSI1PK]: keys.accountKeys(record.accountId), [GSI1SK]: `${record.createdAt}#${record.keyPrefix}` },
                ...absent,
              },
            },
            { Put: { TableName, Item: { ...keys.apiKeyPrefix(record.keyPrefix), keyHash, accountId: record.accountId }, ...absent } },
            {
              ConditionCheck: {
                TableName,
                Key: keys.account(record.accountId),
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
          ],
        }),
      );
      return 'created';
    } catch (error) {
      const failed = cancelledConditions(error);
      if (!failed) throw error;
      return failed[2] ? 'account_not_found' : 'key_conflict';
    }
  }

  /** The key record for a hash, strongly consistent (a revocation counts at once); revoked and expired keys are returned too, the caller decides. */
  async findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.table.get<ApiKeyRecord>(keys.apiKey(keyHash), { consistentRead: true });
  }

  /** Records a use of the key now (see stampLastUse). */
  async recordUse(keyHash: string, now: Date): Promise<boolean> {
    return stampLastUse(this.table, keys.apiKey(keyHash), now);
  }

  async listApiKeys(accountId: string): Promise<ApiKeyRecord[]> {
    return this.table.queryAll<ApiKeyRecord>({
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1PK },
      ExpressionAttributeValues: { ':pk': keys.accountKeys(accountId) },
    });
  }

  /** Marks the key revoked; undefined when no key has this prefix. Revoking twice keeps the first time. */
  async revokeApiKey(keyPrefix: string, at: string): Promise<ApiKeyRecord | undefined> {
    return revokeByPrefix<ApiKeyRecord>(this.table, keys.apiKeyPrefix(keyPrefix), keys.apiKey, at);
  }
}
