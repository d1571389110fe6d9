// What DeliveryService needs from storage. The DynamoDB implementation is
// adapters/dynamodb-delivery-store.ts; tests use an in-memory one. Implementations own retention
// (how long deliveries are kept) and the layout; the service speaks only in domain records.
import type { EndpointHealthUpdate } from '../domain/endpoint-health';
import type { Account, Delivery, DeliveryStatus, Endpoint } from '../domain/model';

export interface RejectedEvent {
  readonly envelopeId: string;
  readonly reason: string;
  readonly receivedAt: string;
  /** The start of what arrived, for a person to diagnose it. */
  readonly excerpt: string;
}

/** A pending delivery's right to make one attempt; a dead holder's claim can be taken over after `leaseUntil`. */
export interface Claim {
  readonly attempt: number;
  readonly leaseUntil: Date;
}

/** One line of the account's delivery log: a delivery created, attempted or closed in a batch. */
export interface LogEntry {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly eventType: string;
  /** The attempt this batch makes (0: none, the delivery was skipped). */
  readonly attempt: number;
  /** The batch creates the delivery (the log's "deliveries" view lists only these). */
  readonly created: boolean;
}

export interface DeliveryStore {
  getAccount(accountId: string): Promise<Account | undefined>;
  /** May trail recent changes by a moment; the service checks each endpoint again with `readBatch`. */
  listEndpoints(accountId: string): Promise<Endpoint[]>;
  /** The deliveries and endpoints one batch is about, in one go; missing ones are absent. */
  readBatch(request: BatchRead): Promise<{ deliveries: Map<string, Delivery>; endpoints: Map<string, Endpoint> }>;
  /**
   * Writes the account's log lines for one batch (before its sends, so nothing sent goes unlisted),
   * with how many of the batch's events each endpoint's filter left out, by endpoint id: the hourly
   * stats count those from this page, so a filtered event costs no write of its own.
   */
  appendLog(accountId: string, entries: readonly LogEntry[], at: Date, filtered?: ReadonlyMap<string, number>): Promise<void>;

  /**
   * Writes new deliveries, each only if it does not exist yet. Per delivery: true when written,
   * false when it existed already (another copy of the event got there first), or the error that
   * kept it from being written.
   */
  createDeliveries(deliveries: readonly Delivery[]): Promise<Array<boolean | Error>>;
  /** Takes attempt `claim.attempt` of a pending delivery whose attemptCount is one less. */
  claimAttempt(deliveryId: string, claim: Claim, now: Date): Promise<boolean>;
  /**
   * Replaces the delivery with `next` (one more attempt recorded), only while this caller holds
   * the claim for that attempt; false when someone else recorded it first.
   */
  recordAttempt(next: Delivery): Promise<boolean>;
  /**
   * Records an attempt that was refused, not sent (its endpoint's circuit was open), without a
   * claim: only while nobody holds a live claim on that attempt and it is not recorded yet.
   */
  recordRefusal(next: Delivery, now: Date): Promise<boolean>;
  /** Ends a pending delivery without an attempt; false when it was no longer pending. */
  closeDelivery(deliveryId: string, status: Extract<DeliveryStatus, 'skipped' | 'failed'>, reason: string, at: string): Promise<boolean>;

  /** Applies a batch's outcomes to the endpoint; returns its consecutive failed deliveries afterwards (0 if it is gone). */
  updateEndpointHealth(accountId: string, endpointId: string, update: EndpointHealthUpdate): Promise<number>;
  /**
   * Takes the one probe of a half-open circuit: moves circuitOpenUntil from `seenOpenUntil` (as
   * read) to `holdUntil`; false when another instance moved it first.
   */
  claimProbe(accountId: string, endpointId: string, seenOpenUntil: string, holdUntil: string): Promise<boolean>;
  /**
   * Reserves `count` send slots (epoch ms), none before `from`, of the endpoint's shared rate-limit
   * schedule (domain/rate-limit.ts): one write, sometimes two (a schedule restarting after a quiet spell).
   */
  reserveSendSlots(endpoint: Endpoint & { readonly rateLimit: number }, count: number, from: Date): Promise<number[]>;
  /**
   * Takes the pilot of a not-yet-proven endpoint (domain/first-contact.ts) for `holder` until
   * `until`, unless another holder's is still running at `now`.
   */
  claimPilot(accountId: string, endpointId: string, holder: string, until: Date, now: Date): Promise<boolean>;
  /** Gives the pilot back, if `holder` still has it. */
  releasePilot(accountId: string, endpointId: string, holder: string): Promise<void>;
  /** Disables an active endpoint; false when it was already disabled or is gone (so only one caller announces it). */
  disableEndpoint(accountId: string, endpointId: string, reason: string, at: string): Promise<boolean>;

  saveRejectedEvent(rejected: RejectedEvent): Promise<void>;
}

export interface BatchRead {
  /** Deliveries that due retries are about: read strongly consistent, their state decides the attempt. */
  readonly deliveryIds: readonly string[];
  /**
   * Deliveries new events would make: only looked for, to spot a copy of an event already delivered,
   * so this read may trail a write by a moment (copies within one batch are caught before it).
   */
  readonly newDeliveryIds: readonly string[];
  /** Strongly consistent: whether an attempt may be sent depends on them. */
  readonly endpoints: readonly { accountId: string; endpointId: string }[];
}

/** The map key of an endpoint in `readBatch` results. */
export const endpointKey = (accountId: string, endpointId: string) => `${accountId}/${endpointId}`;
