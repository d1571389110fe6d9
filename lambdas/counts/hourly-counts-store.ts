// What the counts aggregator needs from storage. The DynamoDB implementation is
// adapters/dynamodb-hourly-counts-store.ts; the unit tests use one in memory.

/** What one stream batch adds to one endpoint's hour: the portal's chart sums these. */
export interface HourlyCounts {
  readonly succeeded: number;
  /** Deliveries that failed for good (their last attempt failed, or 410 Gone). */
  readonly failed: number;
  /** Attempts that failed, including those a retry follows. */
  readonly failedAttempts: number;
  readonly skipped: number;
  /** Events the endpoint's filter left out: no delivery was made (counted off the batch's log page). */
  readonly filtered: number;
}

export interface HourlyCountsStore {
  /** Adds `counts` to the endpoint's hour (`hour`: any time within it). */
  addHourlyCounts(accountId: string, endpointId: string, hour: Date, counts: HourlyCounts): Promise<void>;
}

export const NO_COUNTS: HourlyCounts = { succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0 };
