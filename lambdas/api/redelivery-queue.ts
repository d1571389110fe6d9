// Hands redeliveries to the dispatcher: a retry message on the dispatch queue makes it try
// attempt N of a pending delivery whose attemptCount is N-1 (delivery-service.ts handleRetry).
// The message is the dispatcher's own RetryMessage, so the dispatch queue carries one retry shape.
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { retryMessageBody, type RetryMessage } from '../adapters/retry-scheduler';

export interface RedeliveryQueue {
  /** Sends the messages now; returns the delivery ids whose message SQS did not take. */
  send(messages: readonly RetryMessage[]): Promise<string[]>;
}

/** SendMessageBatch's limit. */
const BATCH_SIZE = 10;

export function createRedeliveryQueue(sqs: SQSClient, queueUrl: string): RedeliveryQueue {
  return {
    async send(messages) {
      const failed: string[] = [];
      for (let start = 0; start < messages.length; start += BATCH_SIZE) {
        const batch = messages.slice(start, start + BATCH_SIZE);
        const { Failed } = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: retryMessageBody(message) })),
          }),
        );
        for (const entry of Failed ?? []) {
          const message = batch[Number(entry.Id)];
          if (message) failed.push(message.deliveryId);
        }
      }
      return failed;
    },
  };
}
