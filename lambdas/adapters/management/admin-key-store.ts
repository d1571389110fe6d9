// Admin keys (gra_...): the operator's credential for admin routes (portal links), never a
// customer's. Stored like API keys: a SHA-256 hash, and a visible prefix claimed as unique so
// revoke-admin-key by prefix is unambiguous. Few of them, so all sit under one gsi1 entry.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancelledConditions, type Table } from '../dynamodb-table';
import { GSI1, GSI1PK, GSI1SK, keys, PK } from '../table-keys';
import { revokeByPrefix } from './revoke-by-prefix';

export interface AdminKeyRecord {
  readonly keyPrefix: string;
  /** Who or what the key is for, for people reading the list. */
  readonly name?: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export class AdminKeyStore {
  constructor(private readonly table: Table) {}

  /** 'key_conflict' when the hash or the prefix is taken already (a fresh key settles it). */
  async createAdminKey(record: { keyHash: string; keyPrefix: string; name?: string; createdAt: string }): Promise<'created' | 'key_conflict'> {
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

  /** The key record for a hash; revoked keys are returned too, the caller decides. */
  async findAdminKey(keyHash: string): Promise<AdminKeyRecord | undefined> {
    return this.table.get<AdminKeyRecord>(keys.adminKey(keyHash));
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

  /** Marks the key revoked; undefined when no key has this prefix. Revoking twice keeps the first time. */
  async revokeAdminKey(keyPrefix: string, at: string): Promise<AdminKeyRecord | undefined> {
    return revokeByPrefix<AdminKeyRecord>(this.table, keys.adminKeyPrefix(keyPrefix), keys.adminKey, at);
  }
}
