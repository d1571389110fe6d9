// Public on-demand list prices (us-east-1, USD) the cost estimate uses. Those quoted in
// /work/shared/DESIGN.md §7 are marked so; the rest are AWS's published list prices that §7 does
// not spell out. Free tiers are ignored. Change them here; results/latest.json records them.
export const PRICES = {
  /** DESIGN §7: "DynamoDB $0.625/M per 1 KB write" (on-demand write request units). */
  dynamoDbPerMillionWriteUnits: 0.625,
  /** AWS list price, on-demand read request units (one per 4 KB strongly consistent read). */
  dynamoDbPerMillionReadUnits: 0.125,
  /** AWS list price, standard queue, per request (each 64 KB chunk of a payload is one request). */
  sqsPerMillionRequests: 0.4,
  /** DESIGN §7: "PutEvents $1.00/M". */
  eventBridgePerMillionPutEvents: 1.0,
  /** DESIGN §7: "invocations $1.00/M" (CreateSchedule itself is free). */
  schedulerPerMillionInvocations: 1.0,
  /** AWS list price, Lambda requests. */
  lambdaPerMillionRequests: 0.2,
  /** AWS list price, Lambda duration on x86, per GB-second. */
  lambdaPerGbSecond: 0.0000166667,
} as const;

/** The dispatcher's memory size in the stack: 256 MB. */
export const LAMBDA_MEMORY_GB = 256 / 1024;

/** Lambda gives a function CPU in proportion to its memory: 1,769 MB is one full vCPU (AWS docs). */
export const LAMBDA_VCPU_SHARE = 256 / 1769;
