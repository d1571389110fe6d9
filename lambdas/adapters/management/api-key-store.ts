// API keys: stored as a SHA-256 hash with a visible, unique prefix (for revoke-key by prefix).
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancelledConditions, type Table } from '../dynamodb-table';
import { GSI1, GSI1PK, GSI1SK, keys, PK } from '../table-keys';
import { revokeByPrefix } from './revoke-by-prefix';

export interface ApiKeyRecord {
  readonly keyPrefix: string;
  readonly accountId: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export type CreateApiKeyResult = 'created' | 'account_not_found' | 'key_conflict';

export class ApiKeyStore {
  constructor(private readonly table: Table) {}

  /** Stores the hash, claims the visible prefix (so revoke-by-prefix is unambiguous), checks the account exists. */
  async createApiKey(record: { keyHash: string; keyPrefix: string; accountId: string; createdAt: string }): Promise<CreateApiKeyResult> {
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

  /** The key record for a hash; revoked keys are returned too, the caller decides. */
  async findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.table.get<ApiKeyRecord>(keys.apiKey(keyHash));
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
