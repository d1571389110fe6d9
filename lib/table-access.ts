// Which items of the one table each function's role may touch, action by action: the partition
// key prefixes (dynamodb:LeadingKeys) come from the key builders of lambdas/adapters/table-keys.ts,
// so a prefix here cannot drift from the key the code writes. lib/webhook-delivery.ts turns each
// grant into one IAM statement; test/infra/table-access.test.ts checks the builders each store uses
// against these lists, and the integration tests check every key a broad run touches against them
// (test/support/table-access-recorder.ts). docs/security.md, "Who can do what", explains them.
import { LAST_USED_ATTRIBUTE } from '../lambdas/adapters/management/api-key-store';
import { keys, PK, SK } from '../lambdas/adapters/table-keys';

/** The name of a key builder of table-keys.ts (a function or, for index partitions, a constant). */
export type KeyBuilder = keyof typeof keys;

/** One IAM statement on the table (or its gsi1 index): these actions, only on items of these builders. */
export interface TableGrant {
  readonly actions: readonly string[];
  /** The builders whose partition keys the actions may lead with: their fixed part, then `*`. */
  readonly keys: readonly KeyBuilder[];
  /** A Query of gsi1: the resource is the index, and the condition applies to the index's partition key. */
  readonly index?: true;
  /** The only attributes a write may name (dynamodb:Attributes, the table's keys included). */
  readonly attributes?: readonly string[];
}

/**
 * A builder's partition key as an IAM StringLike pattern: its text up to the first `#`, then `*`
 * (`DELIVERY#<id>` gives `DELIVERY#*`); a key without `#` (`ADMINKEYS`) is matched exactly. No
 * prefix is another's start (`ACCOUNT#` is not the start of `ACCOUNTENDPOINTS#...`), so a
 * pattern admits one kind of item only.
 */
export function leadingKeyPattern(builder: KeyBuilder): string {
  const built: unknown = keys[builder];
  // Any argument will do: only the fixed text before the first `#` is kept.
  const value = typeof built === 'function' ? (built as (...args: string[]) => unknown)('x', 'x', 'x', 'x') : built;
  const partitionKey = typeof value === 'string' ? value : (value as Record<string, string>)[PK];
  if (typeof partitionKey !== 'string') throw new Error(`table-keys builder ${builder} builds no partition key`);
  const hash = partitionKey.indexOf('#');
  return hash === -1 ? partitionKey : `${partitionKey.slice(0, hash + 1)}*`;
}

/** The patterns of a grant, in its builders' order, without repeats (logShard and logPage are both `LOG#*`). */
export function grantPatterns(grant: TableGrant): string[] {
  return [...new Set(grant.keys.map(leadingKeyPattern))];
}

/**
 * The dispatcher (lambdas/adapters/dynamodb-delivery-store.ts): accounts and their endpoint lists
 * read, deliveries, endpoint health, log pages, send schedules, pilots and rejected events
 * written. Never an API key, admin key, idempotency record, rate window or signing key.
 */
export const DISPATCHER_TABLE_GRANTS: readonly TableGrant[] = [
  // The account directory: an account, then its endpoints from gsi1.
  { actions: ['dynamodb:GetItem'], keys: ['account'] },
  { actions: ['dynamodb:Query'], keys: ['accountEndpoints'], index: true },
  // A batch's one read of its deliveries and endpoints.
  { actions: ['dynamodb:BatchGetItem'], keys: ['delivery', 'endpoint'] },
  // New deliveries (PartiQL INSERT), retries' records, log pages, rejected events.
  { actions: ['dynamodb:PartiQLInsert'], keys: ['delivery'] },
  { actions: ['dynamodb:PutItem'], keys: ['delivery', 'logPage', 'rejected'] },
  // Claims and closes, endpoint health, send slots, pilot claims.
  { actions: ['dynamodb:UpdateItem'], keys: ['delivery', 'endpoint', 'sendSchedule', 'pilot'] },
  // A pilot given back.
  { actions: ['dynamodb:DeleteItem'], keys: ['pilot'] },
];

/** What a key's last-use stamp may write: the stamp, and the key attributes every request names. */
export const KEY_LAST_USE_ATTRIBUTES: readonly string[] = [PK, SK, LAST_USED_ATTRIBUTE];

/**
 * The management API (lambdas/adapters/management/*): reads keys to authenticate, but writes none
 * of a key's own attributes (only the admin CLI creates and revokes keys; the lists of accounts and
 * keys, and API keys' prefix items, are not the API's at all); endpoints with their account's counter,
 * deliveries it reopens or test-sends, idempotency records and rate windows.
 */
export const MANAGEMENT_TABLE_GRANTS: readonly TableGrant[] = [
  // Credentials (a portal link's minting admin key by its prefix item), accounts, endpoints, deliveries, idempotency records.
  { actions: ['dynamodb:GetItem'], keys: ['apiKey', 'adminKey', 'adminKeyPrefix', 'account', 'endpoint', 'delivery', 'idempotency'] },
  { actions: ['dynamodb:BatchGetItem'], keys: ['endpoint', 'delivery'] },
  // The delivery log's shards and the hourly counts.
  { actions: ['dynamodb:Query'], keys: ['logShard', 'hourlyCounts'] },
  { actions: ['dynamodb:Query'], keys: ['accountEndpoints'], index: true },
  // Endpoint creates (a transaction's Put), test sends and their log lines, idempotency claims.
  { actions: ['dynamodb:PutItem'], keys: ['endpoint', 'delivery', 'logPage', 'idempotency'] },
  // The account's endpoint counter (and its portal links' revocation), endpoint changes, redeliveries, idempotency answers, rate windows.
  { actions: ['dynamodb:UpdateItem'], keys: ['account', 'endpoint', 'delivery', 'idempotency', 'rateWindow'] },
  // Last use of an API or admin key, at most hourly: that attribute only, so no key can be made, changed or revived.
  { actions: ['dynamodb:UpdateItem'], keys: ['apiKey', 'adminKey'], attributes: KEY_LAST_USE_ATTRIBUTES },
  { actions: ['dynamodb:DeleteItem'], keys: ['endpoint', 'idempotency'] },
];

/**
 * Builders the management stores use for the admin CLI only (accounts and keys created, listed and
 * revoked): the management role gets none of them.
 */
export const CLI_ONLY_KEY_BUILDERS: readonly KeyBuilder[] = ['accountsIndex', 'accountKeys', 'apiKeyPrefix', 'adminKeysIndex'];

/** The counts aggregator (lambdas/adapters/dynamodb-hourly-counts-store.ts): one ADD per endpoint and hour. */
export const COUNTS_TABLE_GRANTS: readonly TableGrant[] = [{ actions: ['dynamodb:UpdateItem'], keys: ['hourlyCounts'] }];
