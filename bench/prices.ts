// List prices the cost figures use: AWS us-east-1, on-demand, USD, free tiers ignored.
// Source: the AWS pricing pages named on each line, as published; recorded 2026-11-28.
// Change them here; the bench prints and records the ones it used.
export const PRICES_SOURCE = {
  recordedOn: '2026-11-28',
  region: 'us-east-1',
  pages: [
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/sqs/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/eventbridge/pricing/',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CostOptimization_StreamsUsage.html',
  ],
} as const;

export const PRICES = {
  /** aws.amazon.com/lambda/pricing: requests, any architecture. */
  lambdaPerMillionRequests: 0.2,
  /** aws.amazon.com/lambda/pricing: duration on Arm (Graviton2), first 7.5 billion GB-s a month. The functions are arm64. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** aws.amazon.com/sqs/pricing: standard queue, per request; every 64 KB chunk of a payload is one request. */
  sqsPerMillionRequests: 0.4,
  /** aws.amazon.com/dynamodb/pricing/on-demand: write request units (1 KB each; 2 per KB in a transaction). */
  dynamoDbPerMillionWriteUnits: 0.625,
  /** aws.amazon.com/dynamodb/pricing/on-demand: read request units (4 KB strongly consistent, 8 KB eventually). */
  dynamoDbPerMillionReadUnits: 0.125,
  /** aws.amazon.com/eventbridge/pricing: custom events published with PutEvents, per 64 KB chunk. */
  eventBridgePerMillionEvents: 1.0,
  /** aws.amazon.com/eventbridge/pricing (Scheduler): scheduled invocations; the API calls are free. */
  schedulerPerMillionInvocations: 1.0,
  /**
   * Reading the table's stream by the counts aggregator. aws.amazon.com/dynamodb/pricing/on-demand
   * (DynamoDB Streams), recorded 2026-11-28: "You are not charged for GetRecords API calls invoked
   * by AWS Lambda as part of DynamoDB triggers." The developer guide's "Evaluate your DynamoDB
   * streams usage" says the same: "Read requests made by AWS Lambda-based consumers of DynamoDB
   * Streams are free". The aggregator's invocations and duration are billed as Lambda's, above.
   */
  dynamoDbStreamReadsByLambdaPerMillion: 0,
} as const;

/** SQS and EventBridge bill each 64 KB chunk of a request's payload as one request or event. */
export const BILLING_CHUNK_BYTES = 64 * 1024;
