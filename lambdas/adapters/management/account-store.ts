// Accounts and their entitlement (webhooksEnabled, maxEndpoints, endpointCount for the quota), and
// when their portal links were last revoked (portalLinksValidAfter).
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Account } from '../../domain/model';
import { conditionHeld, type Table } from '../dynamodb-table';
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

  /** `consistentRead` for a decision that must see the latest write (a portal link's revocation). */
  async getAccount(accountId: string, options: { consistentRead?: boolean } = {}): Promise<Account | undefined> {
    return this.table.get<Account>(keys.account(accountId), options);
  }

  /**
   * Ends every portal link of the account issued before `at`: stored as portalLinksValidAfter, which
   * only moves forward (two revocations from clocks apart never reopen links). The account, or
   * undefined when there is none.
   */
  async revokePortalLinks(accountId: string, at: string): Promise<Account | undefined> {
    await conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.account(accountId),
          UpdateExpression: 'SET #after = :at',
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#after) OR #after < :at)',
          ExpressionAttributeNames: { '#pk': PK, '#after': 'portalLinksValidAfter' },
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
    // Refused or not, the stored time is now at or after `at` (or there is no account): read what holds.
    return this.getAccount(accountId, { consistentRead: true });
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
