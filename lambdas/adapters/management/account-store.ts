// Accounts and their entitlement (webhooksEnabled, maxEndpoints, endpointCount for the quota).
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Account } from '../../domain/model';
import type { Table } from '../dynamodb-table';
import { GSI1, GSI1PK, GSI1SK, keys, PK } from '../table-keys';

export class AccountStore {
  constructor(private readonly table: Table) {}

  async createAccount(account: Omit<Account, 'endpointCount' | 'updatedAt'>): Promise<Account> {
    const stored: Account = { ...account, endpointCount: 0, updatedAt: account.createdAt };
    await this.table.documents.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.account(account.accountId), ...stored, [GSI1PK]: keys.accountsIndex, [GSI1SK]: `${account.createdAt}#${account.accountId}` },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
    return stored;
  }

  async getAccount(accountId: string): Promise<Account | undefined> {
    return this.table.get<Account>(keys.account(accountId));
  }

  /** Oldest first. */
  async listAccounts(): Promise<Account[]> {
    return this.table.queryAll<Account>({
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1PK },
      ExpressionAttributeValues: { ':pk': keys.accountsIndex },
    });
  }
}
