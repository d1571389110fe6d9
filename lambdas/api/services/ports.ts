// What the management API's services need of storage, each no wider than its callers' use, so
// their rules run in unit tests against an in-memory store (test/support/in-memory-management-store.ts)
// as well as on DynamoDB. The ManagementStore's parts (adapters/management/) satisfy them as they
// are: app.ts hands the services the real store, and the compiler checks it fits.
import type { SigningKeys } from '../../adapters/kms-signing-keys';
import type { AttemptPage, DeliveryFilters, DeliveryPage, LoggedDelivery } from '../../adapters/management/delivery-log-store';
import type { CreateEndpointResult, EndpointChanges, SecretRotation } from '../../adapters/management/endpoint-store';
import type { HourlyCounts } from '../../counts/hourly-counts-store';
import type { Account, AttemptOutcome, Delivery, Endpoint } from '../../domain/model';

/** An account's endpoints (adapters/management/endpoint-store.ts). */
export interface EndpointRecords {
  getEndpoint(accountId: string, endpointId: string): Promise<Endpoint | undefined>;
  listEndpoints(accountId: string): Promise<Endpoint[]>;
  /** Creates the endpoint and counts it against the account's quota, or says why not. */
  createEndpoint(endpoint: Endpoint): Promise<CreateEndpointResult>;
  /** The endpoint as changed; undefined when it does not exist. */
  updateEndpoint(accountId: string, endpointId: string, changes: EndpointChanges, at: string): Promise<Endpoint | undefined>;
  /** The endpoint with its new secret; undefined when it does not exist or its secret is no longer `expectedSecret`. */
  rotateSecret(accountId: string, endpointId: string, rotation: SecretRotation): Promise<Endpoint | undefined>;
  /** False when it did not exist. */
  deleteEndpoint(accountId: string, endpointId: string, at: string): Promise<boolean>;
}

/** Deliveries and the account's delivery log (adapters/management/delivery-log-store.ts). */
export interface DeliveryRecords {
  /** Another account's delivery reads as absent. */
  getDelivery(accountId: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Those of the ids that exist and belong to the account, in no particular order. */
  getDeliveries(accountId: string, deliveryIds: readonly string[]): Promise<Delivery[]>;
  listEndpointAttempts(accountId: string, endpointId: string, options: { limit: number; cursor?: string; outcome?: AttemptOutcome }): Promise<AttemptPage>;
  /** Newest first; a page may be short, even empty, and still have a cursor. */
  listDeliveries(accountId: string, filters: DeliveryFilters, options: { limit: number; cursor?: string }): Promise<DeliveryPage>;
  /** The log line of a delivery logged since `since` and not recorded yet. */
  findLoggedDelivery(accountId: string, deliveryId: string, since: Date): Promise<LoggedDelivery | undefined>;
  /** The endpoint's deliveries touched at or after `since`; truncated when the read stopped before the log's end. */
  deliveryIdsSince(accountId: string, endpointId: string, since: string, maxEntries: number): Promise<{ deliveryIds: string[]; truncated: boolean }>;
  /** Pending again for the next attempt, only while it is as the caller saw it; false otherwise. */
  reopenDelivery(delivery: Pick<Delivery, 'deliveryId' | 'status' | 'attemptCount'>, at: string): Promise<boolean>;
  /** Undoes reopenDelivery unless the dispatcher has started the attempt; false then. */
  restoreDelivery(delivery: Pick<Delivery, 'deliveryId' | 'status' | 'attemptCount' | 'reason'>, at: string): Promise<boolean>;
}

/** The portal chart's counts (adapters/management/hourly-count-store.ts). */
export interface HourlyCountRecords {
  /** By hour (`YYYY-MM-DDTHH`, UTC), `fromHour` to `toHour` inclusive; hours with nothing are absent. */
  read(accountId: string, endpointId: string, fromHour: string, toHour: string): Promise<ReadonlyMap<string, HourlyCounts>>;
}

/** What minting a portal link reads: the account (its last revocation), and the keys portal tokens are signed with. */
export interface PortalLinkRecords {
  readonly accounts: { getAccount(accountId: string, options?: { consistentRead?: boolean }): Promise<Account | undefined> };
  readonly portalKeys: SigningKeys;
}
