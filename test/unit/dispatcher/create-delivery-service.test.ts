// The composition root gives the service what depends on the deployment: with the largest delivery
// timeout the construct accepts, a retry that arrives before its previous attempt's record keeps
// waiting for as long as a dead dispatcher's message takes to come back and be handled, well past
// the 15 minutes that suit the default timeout.
import type { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { retryMessageBody } from '../../../lambdas/adapters/retry-scheduler';
import type { RetryMessage } from '../../../lambdas/delivery/ports';
import { dispatcherTimeoutSeconds, loadDispatcherConfig, queueVisibilityTimeoutSeconds } from '../../../lambdas/dispatcher/config';
import { createDeliveryService } from '../../../lambdas/dispatcher/create-delivery-service';
import type { AwsClients } from '../../../lambdas/shared/aws-clients';
import { DISPATCHER_TEST_ENV } from '../../support/dispatcher-env';
import { InMemoryDeliveryStore } from '../../support/in-memory-delivery-store';

const LARGEST_DELIVERY_TIMEOUT_MS = 870_000;

/** Every message the service hands to the retry queue, by body; no other AWS call is expected. */
function recordingClients(queued: string[]): AwsClients {
  const unexpected = { send: () => Promise.reject(new Error('not used')) };
  const sqs = {
    send: async (command: SendMessageBatchCommand) => {
      for (const entry of command.input.Entries ?? []) queued.push(entry.MessageBody ?? '');
      return { Successful: [], Failed: [] };
    },
  };
  return { sqs, scheduler: unexpected, eventBridge: unexpected, dynamodb: unexpected, kms: unexpected } as unknown as AwsClients;
}

/** Feeds a never-recorded retry back to the service until it stops re-queueing it; the last body it queued. */
async function waitOutRecord(deliveryTimeoutMs: number): Promise<{ lastWaited: number; requeues: number }> {
  const queued: string[] = [];
  const service = createDeliveryService({
    config: loadDispatcherConfig({ ...DISPATCHER_TEST_ENV, DELIVERY_TIMEOUT_MS: String(deliveryTimeoutMs) }),
    clients: recordingClients(queued),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    store: new InMemoryDeliveryStore(),
    sender: { send: () => Promise.reject(new Error('nothing is sent')), close: async () => undefined },
    now: () => new Date('2026-11-28T10:00:00Z'),
  });
  const never: RetryMessage = { kind: 'retry', deliveryId: 'dlv_never', accountId: 'acct_1', endpointId: 'ep_1', attempt: 2 };
  let body = retryMessageBody(never);
  for (;;) {
    const before = queued.length;
    expect(await service.handleBatch([{ id: `m${before}`, body }])).toEqual([]);
    if (queued.length === before) break;
    body = queued.at(-1)!;
  }
  return { lastWaited: (JSON.parse(body) as RetryMessage).waitedForRecordSeconds ?? 0, requeues: queued.length };
}

describe('createDeliveryService', () => {
  it('waits for a record as long as the largest delivery timeout needs, then gives up', async () => {
    const { lastWaited, requeues } = await waitOutRecord(LARGEST_DELIVERY_TIMEOUT_MS);
    const comesBack = queueVisibilityTimeoutSeconds(LARGEST_DELIVERY_TIMEOUT_MS) + dispatcherTimeoutSeconds(LARGEST_DELIVERY_TIMEOUT_MS);
    expect(lastWaited).toBeGreaterThanOrEqual(comesBack);
    // Given up within one of the longest pauses (60 s) after that.
    expect(lastWaited).toBeLessThan(comesBack + 60);
    expect(requeues).toBeLessThan(130);
  });

  it('keeps the 15 minutes for the default delivery timeout', async () => {
    const { lastWaited } = await waitOutRecord(30_000);
    expect(lastWaited).toBeGreaterThanOrEqual(900);
    expect(lastWaited).toBeLessThan(960);
  });
});
