// The one place that knows how the dispatcher is built: everything else in bench/ drives it
// through `handleBatch` and sees AWS only as API calls. It is the handler's own composition root
// (createDeliveryService), with the bench's clients.
import type { DeliveryMetric } from '../lambdas/delivery/delivery-service';
import type { DispatcherConfig } from '../lambdas/dispatcher/config';
import { createDeliveryService } from '../lambdas/dispatcher/create-delivery-service';
import type { AwsClients } from '../lambdas/shared/aws-clients';
import type { Log } from '../lambdas/shared/logger';

export interface QueueMessage {
  readonly id: string;
  readonly body: string;
  readonly receiveCount: number;
}

export interface DispatcherUnderTest {
  /** One SQS batch; returns the ids of the messages that failed (to be redelivered by SQS). */
  handleBatch(messages: readonly QueueMessage[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface DispatcherInput {
  readonly config: DispatcherConfig;
  readonly clients: AwsClients;
  readonly log: Log;
  readonly count?: (metric: DeliveryMetric, value?: number) => void;
}

export function createDispatcherUnderTest(input: DispatcherInput): DispatcherUnderTest {
  const service = createDeliveryService(input);
  return {
    handleBatch: (messages) => service.handleBatch(messages),
    close: async () => undefined,
  };
}
