// SQS partial batch responses, as Powertools' BatchProcessor and processPartialResponse give
// them: every record processed concurrently, the ids of the ones that threw reported back so SQS
// retries only those, and a thrown error when every record failed (the invocation counts as
// failed, which the dispatcher's error alarm watches).
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export class FullBatchFailureError extends Error {
  override readonly name = 'FullBatchFailureError';
  constructor(readonly errors: readonly unknown[]) {
    super(`All records in the batch failed processing. ${errors.length} individual errors logged separately below.`);
  }
}

export async function processSqsBatch(
  event: SQSEvent,
  processRecord: (record: SQSRecord) => Promise<void>,
  onRecordError: (record: SQSRecord, error: unknown) => void = () => undefined,
): Promise<SQSBatchResponse> {
  const records = event.Records;
  const outcomes = await Promise.allSettled(records.map((record) => processRecord(record)));
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const errors: unknown[] = [];
  outcomes.forEach((outcome, index) => {
    const record = records[index];
    if (outcome.status === 'fulfilled' || !record) return;
    failures.push({ itemIdentifier: record.messageId });
    errors.push(outcome.reason);
    onRecordError(record, outcome.reason);
  });
  if (records.length > 0 && failures.length === records.length) throw new FullBatchFailureError(errors);
  return { batchItemFailures: failures };
}
