// The one DynamoDB table's key design, shared by the CDK construct (which creates the table),
// the store adapter (which reads and writes it) and the tests (which create it in DynamoDB Local).
//
// Items (pk / sk):
//   ACCOUNT#<accountId>            / ACCOUNT                 an account and its entitlement
//   ACCOUNT#<accountId>            / ENDPOINT#<endpointId>   an endpoint, its secret and failure counter
//   APIKEY#<sha256 of key>         / APIKEY                  an API key (hash only), gsi1: its account
//   EVENT#<accountId>#<eventId>    / EVENT                   the producer event, stored once (TTL)
//   DELIVERY#<deliveryId>          / DELIVERY                one event x one endpoint (TTL)
//   DELIVERY#<deliveryId>          / ATTEMPT#<000001>        one attempt (TTL), gsi1: the endpoint's log
//   REJECTED#<yyyy-mm-dd>          / <time>#<envelope id>    an event that failed validation (TTL)

export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Secondary index for "by endpoint, newest first" and "keys of an account". */
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds; DynamoDB deletes the item some time after. */
  ttlAttribute: 'expiresAt',
} as const;
