// The management API's side of the one table, one store per concern (see table-design.ts):
// accounts, API keys, admin keys, endpoints, the delivery log, hourly counts, idempotency records,
// rate limits and the portal tokens' signing key.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Table } from './dynamodb-table';
import { AccountStore } from './management/account-store';
import { AdminKeyStore } from './management/admin-key-store';
import { ApiKeyStore } from './management/api-key-store';
import { CursorCodec } from './management/cursor';
import { DeliveryLogStore } from './management/delivery-log-store';
import { EndpointStore } from './management/endpoint-store';
import { HourlyCountStore } from './management/hourly-count-store';
import { IdempotencyStore } from './management/idempotency-store';
import { RateLimitStore } from './management/rate-limit-store';
import { TableSecret } from './management/table-secret';
import { keys } from './table-keys';

export type { Account } from '../domain/model';
export type { ApiKeyRecord } from './management/api-key-store';
export type { AdminKeyRecord } from './management/admin-key-store';
export type { EndpointChanges } from './management/endpoint-store';
export type { AttemptPage } from './management/delivery-log-store';
export type { StoredResponse } from './management/idempotency-store';
export { InvalidCursorError } from './management/cursor';

export class ManagementStore {
  readonly table: Table;
  readonly accounts: AccountStore;
  readonly apiKeys: ApiKeyStore;
  readonly adminKeys: AdminKeyStore;
  readonly endpoints: EndpointStore;
  readonly deliveries: DeliveryLogStore;
  readonly hourlyCounts: HourlyCountStore;
  readonly idempotency: IdempotencyStore;
  readonly rateLimits: RateLimitStore;
  /** Signs portal tokens (see api/portal-tokens.ts). */
  readonly portalKey: TableSecret;

  constructor(client: DynamoDBClient, tableName: string, retentionDays: number) {
    this.table = new Table(client, tableName, retentionDays);
    this.accounts = new AccountStore(this.table);
    this.apiKeys = new ApiKeyStore(this.table);
    this.adminKeys = new AdminKeyStore(this.table);
    this.endpoints = new EndpointStore(this.table);
    this.deliveries = new DeliveryLogStore(this.table, new CursorCodec(this.table));
    this.hourlyCounts = new HourlyCountStore(this.table);
    this.idempotency = new IdempotencyStore(this.table);
    this.rateLimits = new RateLimitStore(this.table);
    this.portalKey = new TableSecret(this.table, keys.portalKey(), 'portal token signing key');
  }
}
