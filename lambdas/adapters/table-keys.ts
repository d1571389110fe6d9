// Every key of the one table (see table-design.ts), built here and nowhere else.
import { createHash } from 'node:crypto';
import { TABLE_KEYS } from './table-design';

export const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_KEYS;
export const { indexName: GSI1, partitionKey: GSI1PK, sortKey: GSI1SK } = TABLE_KEYS.gsi1;

export type ItemKey = Record<string, string>;

/** Log pages of one account are spread over this many partitions (see table-design.ts). */
export const LOG_SHARDS = 8;

/** An endpoint's hourly counts are spread over this many partitions (see table-design.ts). */
export const COUNT_SHARDS = 8;

/** Every delivery item's partition key starts so; the counts aggregator's stream filter relies on it. */
export const DELIVERY_KEY_PREFIX = 'DELIVERY#';

/** Every hourly counts item's partition key starts so; the counts aggregator may write nothing else. */
export const COUNTS_KEY_PREFIX = 'COUNTS#';
/** Every log page's partition key starts so (the counts stream filter picks pages out by it). */
export const LOG_KEY_PREFIX = 'LOG#';

export const keys = {
  account: (accountId: string): ItemKey => ({ [PK]: `ACCOUNT#${accountId}`, [SK]: 'ACCOUNT' }),
  /** gsi1pk of every account (list-accounts). */
  accountsIndex: 'ACCOUNTS',
  endpoint: (accountId: string, endpointId: string): ItemKey => ({ [PK]: `ENDPOINT#${accountId}#${endpointId}`, [SK]: 'ENDPOINT' }),
  /** gsi1pk of an account's endpoints. */
  accountEndpoints: (accountId: string) => `ACCOUNTENDPOINTS#${accountId}`,
  apiKey: (keyHash: string): ItemKey => ({ [PK]: `APIKEY#${keyHash}`, [SK]: 'APIKEY' }),
  apiKeyPrefix: (keyPrefix: string): ItemKey => ({ [PK]: `APIKEYPREFIX#${keyPrefix}`, [SK]: 'APIKEYPREFIX' }),
  /** gsi1pk of an account's API keys. */
  accountKeys: (accountId: string) => `ACCOUNTKEYS#${accountId}`,
  /** An operator's admin key (gra_...), by its hash: accepted only on admin routes. */
  adminKey: (keyHash: string): ItemKey => ({ [PK]: `ADMINKEY#${keyHash}`, [SK]: 'ADMINKEY' }),
  adminKeyPrefix: (keyPrefix: string): ItemKey => ({ [PK]: `ADMINKEYPREFIX#${keyPrefix}`, [SK]: 'ADMINKEYPREFIX' }),
  /** gsi1pk of every admin key (list-admin-keys). */
  adminKeysIndex: 'ADMINKEYS',
  /** The key is hashed so any client-chosen string makes a valid, bounded partition key. */
  idempotency: (accountId: string, idempotencyKey: string): ItemKey => ({
    [PK]: `IDEMPOTENCY#${accountId}#${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex')}`,
    [SK]: 'IDEMPOTENCY',
  }),
  rateWindow: (bucket: string, windowStart: number): ItemKey => ({ [PK]: `RATE#${bucket}#${windowStart}`, [SK]: 'RATE' }),
  /** Who holds the pilot of a not-yet-proven endpoint (domain/first-contact.ts): an item of its own, no index entry. */
  pilot: (accountId: string, endpointId: string): ItemKey => ({ [PK]: `PILOT#${accountId}#${endpointId}`, [SK]: 'PILOT' }),
  /** A rate-limited endpoint's send schedule: an item of its own, so its write per batch touches no index. */
  sendSchedule: (accountId: string, endpointId: string): ItemKey => ({ [PK]: `SENDSLOTS#${accountId}#${endpointId}`, [SK]: 'SENDSLOTS' }),
  delivery: (deliveryId: string): ItemKey => ({ [PK]: `${DELIVERY_KEY_PREFIX}${deliveryId}`, [SK]: 'DELIVERY' }),
  /** One shard of an account's delivery log; its items sort by the time their batch wrote them. */
  logShard: (accountId: string, shard: number) => `${LOG_KEY_PREFIX}${accountId}#${shard}`,
  logPage: (accountId: string, shard: number, position: string): ItemKey => ({ [PK]: keys.logShard(accountId, shard), [SK]: position }),
  /** One shard of an endpoint's delivery counts for one hour (YYYY-MM-DDTHH), summed per stream batch. */
  hourlyCounts: (accountId: string, endpointId: string, shard: number, hour: string): ItemKey => ({
    [PK]: `${COUNTS_KEY_PREFIX}${accountId}#${endpointId}#${shard}`,
    [SK]: hour,
  }),
  rejectedDay: (day: string) => `REJECTED#${day}`,
  rejected: (receivedAt: string, envelopeId: string): ItemKey => ({
    [PK]: keys.rejectedDay(receivedAt.slice(0, 10)),
    [SK]: `${receivedAt}#${envelopeId}`,
  }),
};
