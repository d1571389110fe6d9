// The one DynamoDB table's key design, shared by the CDK construct (which creates the table),
// the store adapters (which read and write it: table-keys.ts builds the keys below) and the
// tests (which create it in DynamoDB Local).
//
// Items (pk / sk), who writes them (D = dispatcher, dynamodb-delivery-store.ts; M = management,
// management/*-store.ts; C = the counts aggregator, dynamodb-hourly-counts-store.ts, from the
// table's stream) and their gsi1 entry (gsi1pk / gsi1sk), if any. Every key is built in
// table-keys.ts.
//   ACCOUNT#<accountId>            / ACCOUNT         M  an account and its entitlement (name, webhooksEnabled,
//                                                       maxEndpoints) and endpointCount, kept in step with
//                                                       endpoint creates and deletes in the same transaction;
//                                                       portalLinksValidAfter (portal links issued before it
//                                                       are refused: revoke-portal-links)
//                                                       gsi1: ACCOUNTS / <createdAt>#<accountId>
//   ENDPOINT#<accountId>#<endpointId> / ENDPOINT     M  an endpoint: url, events, status, secret, previousSecret
//                                                    D  its health: consecutiveFailures (failed deliveries),
//                                                       lastSuccessAt, lastFailureAt, circuitOpenUntil, slowUntil, and its
//                                                       auto-disable (disabledReason, disabledAt). A partition of
//                                                       its own: the dispatcher reads it once per batch.
//                                                       gsi1: ACCOUNTENDPOINTS#<accountId> / <createdAt>#<endpointId>
//   APIKEY#<sha256 of key>         / APIKEY          M  an API key (hash only): prefix, account, revokedAt
//                                                       gsi1: ACCOUNTKEYS#<accountId> / <createdAt>#<keyPrefix>
//   APIKEYPREFIX#<keyPrefix>       / APIKEYPREFIX    M  claims the visible prefix (unique), points to the key's hash
//   ADMINKEY#<sha256 of key>       / ADMINKEY        M  an operator's admin key (gra_..., hash only): prefix, name,
//                                                       revokedAt. Admin routes only, never an account's.
//                                                       gsi1: ADMINKEYS / <createdAt>#<keyPrefix>
//   ADMINKEYPREFIX#<keyPrefix>     / ADMINKEYPREFIX  M  claims the admin key's visible prefix, points to its hash;
//                                                       revokedAt too, so a portal link names its minter's state
//                                                       in one read (it is read with every such link's request)
//   IDEMPOTENCY#<accountId>#<sha256 of Idempotency-Key> / IDEMPOTENCY
//                                                    M  a POST's lock, request fingerprint and first answer (TTL 24 h)
//   RATE#<bucket>#<window start>   / RATE            M  hits in one fixed rate-limit window (TTL)
//   SENDSLOTS#<accountId>#<endpointId> / SENDSLOTS   D  a rate-limited endpoint's send schedule: nextSlotAt (epoch ms),
//                                                       one write per batch that sends to it (TTL a day after its
//                                                       last write). Not on the endpoint item, whose every write
//                                                       also rewrites the account's gsi1 endpoint list.
//   PILOT#<accountId>#<endpointId> / PILOT          D  which batch holds the pilot of an endpoint that has never
//                                                       answered 2xx (holder, until; TTL): one batch at a time sends
//                                                       to it inline (domain/first-contact.ts)
//   DELIVERY#<deliveryId>          / DELIVERY        D  one event x one endpoint (TTL): status, attemptCount, the
//                                                       claim, and `doc`: the body every attempt sends and the
//                                                       attempts (the last 30), deflated (delivery-items.ts).
//                                                       Written once per attempt, with no index entry. Its changes
//                                                       (stream, new and old images) feed the hourly counts.
//                                                    M  reopened for a redelivery; test sends (test: true)
//   LOG#<accountId>#<0-7>          / <time>#<random> D  one batch's lines of the account's delivery log (TTL):
//                                                       delivery, endpoint, event type, attempt, created. A random
//                                                       shard per batch spreads a busy account over 8 partitions;
//                                                       the API merges the shards newest first. `filtered`: how many
//                                                       events each endpoint's filter left out (its stream insert
//                                                       feeds the hourly counts).
//                                                    M  a test send's line
//   COUNTS#<accountId>#<endpointId>#<0-7> / <yyyy-mm-ddThh>
//                                                    C  an endpoint's deliveries in one hour (TTL): succeeded, failed
//                                                       (for good), failedAttempts, skipped, filtered; summed from the
//                                                       delivery items' changes and log pages on the table's stream, one ADD per endpoint
//                                                       and hour per stream batch, to a random shard. The portal's
//                                                       chart. The delivery path never writes it.
//   REJECTED#<yyyy-mm-dd>          / <time>#<envelope id>
//                                                    D  an event that failed validation (TTL)
// No item holds a signing key: portal tokens and paging cursors are signed with keys derived from
// the stack's KMS HMAC key (kms-signing-keys.ts); the tokens themselves are never stored.

export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Secondary index: all accounts, an account's endpoints, an account's keys. */
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds; DynamoDB deletes the item some time after. */
  ttlAttribute: 'expiresAt',
} as const;
