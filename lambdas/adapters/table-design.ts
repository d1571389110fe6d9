// The one DynamoDB table's key design, shared by the CDK construct (which creates the table),
// the store adapters (which read and write it: dynamodb-table.ts builds the keys below) and the
// tests (which create it in DynamoDB Local).
//
// Items (pk / sk), who writes them (D = dispatcher, dynamodb-store.ts; M = management,
// management-store.ts) and their gsi1 entry (gsi1pk / gsi1sk), if any:
//   ACCOUNT#<accountId>            / ACCOUNT                 M  an account and its entitlement (name,
//                                                                webhooksEnabled, maxEndpoints) and endpointCount,
//                                                                kept in step with endpoint creates and deletes
//                                                                in the same transaction (the quota)
//                                                                gsi1: ACCOUNTS / <createdAt>#<accountId>
//   ACCOUNT#<accountId>            / ENDPOINT#<endpointId>   M  an endpoint: url, events, status, secret, and
//                                                                previousSecret during a rotation's grace period;
//                                                             D  its failure counter, last success / failure times,
//                                                                and its auto-disable (disabledReason, disabledAt)
//   APIKEY#<sha256 of key>         / APIKEY                  M  an API key (hash only): prefix, account, revokedAt
//                                                                gsi1: ACCOUNTKEYS#<accountId> / <createdAt>#<keyPrefix>
//   APIKEYPREFIX#<keyPrefix>       / APIKEYPREFIX            M  claims the visible prefix (unique) and points to the
//                                                                key's hash, for revoke-key by prefix
//   IDEMPOTENCY#<accountId>#<sha256 of Idempotency-Key> / IDEMPOTENCY
//                                                             M  a POST's lock, request fingerprint and first
//                                                                answer (TTL 24 h)
//   RATE#<bucket>#<window start>   / RATE                    M  hits in one fixed rate-limit window (TTL)
//   EVENT#<accountId>#<eventId>    / EVENT                   D  the producer event, stored once (TTL)
//   DELIVERY#<deliveryId>          / DELIVERY                D  one event x one endpoint (TTL); the management side
//                                                             M  reopens it for a redelivery (redeliveredAt,
//                                                                retryScheduledFor) and writes test sends (test: true,
//                                                                no stored event)
//                                                                gsi1: ENDPOINTDELIVERIES#<accountId>#<endpointId>
//                                                                      / <createdAt>#<deliveryId> (not on test sends),
//                                                                for recover to find skipped deliveries
//   DELIVERY#<deliveryId>          / ATTEMPT#<000001>        D  one attempt (TTL); M for a test send's attempt
//                                                                gsi1: ENDPOINT#<accountId>#<endpointId>
//                                                                      / <attemptedAt>#<deliveryId>#<000001>, the log
//   REJECTED#<yyyy-mm-dd>          / <time>#<envelope id>    D  an event that failed validation (TTL)

export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Secondary index: an endpoint's attempts and deliveries by time, all accounts, an account's keys. */
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds; DynamoDB deletes the item some time after. */
  ttlAttribute: 'expiresAt',
} as const;
