// What a chaos receiver records of one request, for the chaos metrics' tests: 10 ms from arrival
// to the end of the answer, signature verified, with the answer the test gives.
import type { ReceivedRequest } from '../../../chaos/receivers';

export function requestsAnswered(answer: Pick<ReceivedRequest, 'status' | 'answer'>) {
  return (deliveryId: string, attempt: number, receivedAt: number, extra: Partial<ReceivedRequest> = {}): ReceivedRequest => ({
    deliveryId,
    attempt,
    headerTimestamp: Math.floor(receivedAt / 1000),
    receivedAt,
    endedAt: receivedAt + 10,
    ...answer,
    verified: true,
    ...extra,
  });
}
