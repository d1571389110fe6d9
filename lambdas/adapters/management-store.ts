// The management API's side of the one table, one store per concern (see table-design.ts):
// accounts, API keys, admin keys, endpoints, the delivery log, hourly counts, idempotency records,
// rate limits, and the signing keys of portal tokens and paging cursors (derived from KMS, never
// kept in the table).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Table } from './dynamodb-table';
import type { SigningKeys } from './kms-signing-keys';
import { AccountStore } from './management/account-store';
import { AdminKeyStore } from './management/admin-key-store';
import { ApiKeyStore } from './management/api-key-store';
import { CursorCodec } from './management/cursor';
import { DeliveryLogStore } from './management/delivery-log-store';
import { EndpointStore } from './management/endpoint-store';
import { HourlyCountStore } from './management/hourly-count-store';
import { IdempotencyStore } from './management/idempotency-store';
import { RateLimitStore } from './management/rate-limit-store';
import type { SecretSealer } from './secret-box';

export type { Account } from '../domain/model';
export type { ApiKeyRecord } from './management/api-key-store';
export type { AdminKeyRecord } from './management/admin-key-store';
export type { EndpointChanges } from './management/endpoint-store';
export type { AttemptPage } from './management/delivery-log-store';
export type { StoredResponse } from './management/idempotency-store';
export { InvalidCursorError } from './management/cursor';

/** The KMS-derived keys (api/portal-tokens.ts portalSigningKeys, management/cursor.ts cursorSigningKeys). */
export interface ManagementSigningKeys {
  /** Signs and verifies portal tokens; without it minting or checking one fails. */
  readonly portalKeys?: SigningKeys;
  /** Signs paging cursors; without it paging a list fails. */
  readonly cursorKeys?: SigningKeys;
}

/** Stands in for keys a store was made without (a CLI command or the local run that needs none): any use is a bug. */
const NO_PORTAL_KEYS: SigningKeys = {
  current: () => Promise.reject(new Error('this management store was made without portal signing keys')),
  byId: () => Promise.reject(new Error('this management store was made without portal signing keys')),
};

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
  readonly portalKeys: SigningKeys;

  /** `sealer` seals and opens the endpoints' secrets and header values (endpoint-items.ts). */
  constructor(client: DynamoDBClient, tableName: string, retentionDays: number, sealer: SecretSealer, signingKeys: ManagementSigningKeys = {}) {
    this.table = new Table(client, tableName, retentionDays);
    this.accounts = new AccountStore(this.table);
    this.apiKeys = new ApiKeyStore(this.table);
    this.adminKeys = new AdminKeyStore(this.table);
    this.endpoints = new EndpointStore(this.table, sealer);
    this.deliveries = new DeliveryLogStore(this.table, new CursorCodec(signingKeys.cursorKeys));
    this.hourlyCounts = new HourlyCountStore(this.table);
    this.idempotency = new IdempotencyStore(this.table);
    this.rateLimits = new RateLimitStore(this.table);
    this.portalKeys = signingKeys.portalKeys ?? NO_PORTAL_KEYS;
  }
}
