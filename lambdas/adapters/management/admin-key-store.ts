// Admin keys (gra_...): the operator's credential for admin routes (portal links), never a
// customer's. Stored like API keys: a SHA-256 hash, and a visible prefix claimed as unique so
// revoke-admin-key by prefix is unambiguous. Few of them, so all sit under one gsi1 entry. A
// revocation is stamped on the prefix item too: portal links name their minter by prefix.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancelledConditions, type Table } from '../dynamodb-table';
import { GSI1, GSI1PK, GSI1SK, keys, PK } from '../table-keys';
import { stampLastUse } from './api-key-store';

export interface AdminKeyRecord {
  readonly keyPrefix: string;
  /** Who or what the key is for, for people reading the list. */
  readonly name?: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** Refused from this time on (create-admin-key --expires-in-days); absent: never expires. */
  readonly validUntil?: string;
  /** The last request made with the key, to the hour (api-key-store.ts LAST_USE_INTERVAL_MS). */
  readonly lastUsedAt?: string;
}

export class AdminKeyStore {
  constructor(private readonly table: Table) {}

  /** 'key_conflict' when the hash or the prefix is taken already (a fresh key settles it). */
  async createAdminKey(record: { keyHash: string; keyPrefix: string; name?: string; createdAt: string; validUntil?: string }): Promise<'created' | 'key_conflict'> {
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
                Item: { ...keys.adminKey(keyHash), ...visible, [GSI1PK]: keys.adminKeysIndex, [GSI1SK]: `${record.createdAt}#${record.keyPrefix}` },
                ...absent,
              },
            },
            { Put: { TableName, Item: { ...keys.adminKeyPrefix(record.keyPrefix), keyHash }, ...absent } },
          ],
        }),
      );
      return 'created';
    } catch (error) {
      if (!cancelledConditions(error)) throw error;
      return 'key_conflict';
    }
  }

  /** The key record for a hash, strongly consistent (a revocation counts at once); revoked and expired keys are returned too, the caller decides. */
  async findAdminKey(keyHash: string): Promise<AdminKeyRecord | undefined> {
    return this.table.get<AdminKeyRecord>(keys.adminKey(keyHash), { consistentRead: true });
  }

  /** Records a use of the key now (api-key-store.ts stampLastUse). */
  async recordUse(keyHash: string, now: Date): Promise<boolean> {
    return stampLastUse(this.table, keys.adminKey(keyHash), now);
  }

  /** Oldest first. */
  async listAdminKeys(): Promise<AdminKeyRecord[]> {
    return this.table.queryAll<AdminKeyRecord>({
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1PK },
      ExpressionAttributeValues: { ':pk': keys.adminKeysIndex },
    });
  }

  /**
   * Marks the key revoked, and its prefix item too in the same transaction, so the portal links it
   * minted (which name its prefix) stop with it; undefined when no key has this prefix. Revoking
   * twice keeps the first time.
   */
  async revokeAdminKey(keyPrefix: string, at: string): Promise<AdminKeyRecord | undefined> {
    const prefixKey = keys.adminKeyPrefix(keyPrefix);
    const keyHash = (await this.table.get<{ keyHash?: unknown }>(prefixKey, { consistentRead: true }))?.keyHash;
    if (typeof keyHash !== 'string') return undefined;
    const revoke = {
      UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':at': at },
    };
    try {
      await this.table.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: { TableName: this.table.name, Key: keys.adminKey(keyHash), ...revoke } },
            { Update: { TableName: this.table.name, Key: prefixKey, ...revoke } },
          ],
        }),
      );
    } catch (error) {
      if (!cancelledConditions(error)) throw error;
      return undefined;
    }
    return this.table.get<AdminKeyRecord>(keys.adminKey(keyHash), { consistentRead: true });
  }

  /**
   * Whether the admin key with this prefix exists and is not revoked: one strongly consistent read
   * of its prefix item, made for every request with a portal link the key minted, so a revocation
   * ends its links at once. Nothing is cached.
   */
  async isActive(keyPrefix: string): Promise<boolean> {
    const item = await this.table.get<{ keyHash?: unknown; revokedAt?: unknown }>(keys.adminKeyPrefix(keyPrefix), { consistentRead: true });
    return typeof item?.keyHash === 'string' && item.revokedAt === undefined;
  }
}
