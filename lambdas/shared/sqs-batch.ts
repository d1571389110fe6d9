// SQS partial batch responses, as Powertools' processPartialResponse gives them: the ids of the
// messages to retry go back to SQS, and a batch whose every message failed throws instead, so the
// invocation counts as failed (the dispatcher's error alarm watches that).
import type { SQSBatchResponse } from 'aws-lambda';

export class FullBatchFailureError extends Error {
  override readonly name = 'FullBatchFailureError';
  constructor(readonly count: number) {
    super(`All ${count} records in the batch failed processing; each failure is logged separately.`);
  }
}

export function partialBatchResponse(recordCount: number, failedIds: readonly string[]): SQSBatchResponse {
  if (recordCount > 0 && failedIds.length >= recordCount) throw new FullBatchFailureError(recordCount);
  return { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
