// RecordBatch: a queue batch's first-attempt records, written together.
import { RecordBatch } from '../../../lambdas/delivery/record-batch';
import type { Delivery } from '../../../lambdas/domain/model';

const delivery = (id: string) => ({ deliveryId: id }) as Delivery;

function recordingStore(answer: (deliveries: readonly Delivery[]) => Promise<Array<boolean | Error>> = async (deliveries) => deliveries.map(() => true)) {
  const calls: string[][] = [];
  return {
    calls,
    createDeliveries: async (deliveries: readonly Delivery[]) => {
      calls.push(deliveries.map((entry) => entry.deliveryId));
      return answer(deliveries);
    },
  };
}

describe('RecordBatch', () => {
  it('writes once every slot has recorded or left', async () => {
    const store = recordingStore();
    const records = new RecordBatch(store, 60_000);
    const [a, b, c] = [records.slot(), records.slot(), records.slot()];
    const written = [a!.create(delivery('a')), c!.create(delivery('c'))];
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls).toEqual([]);
    b!.leave();
    expect(await Promise.all(written)).toEqual([true, true]);
    expect(store.calls).toEqual([['a', 'c']]);
  });

  it('writes what waits after the linger, and a late record on its own', async () => {
    const store = recordingStore();
    const records = new RecordBatch(store, 20);
    const [fast, slow] = [records.slot(), records.slot()];
    expect(await fast!.create(delivery('fast'))).toBe(true);
    expect(store.calls).toEqual([['fast']]);
    expect(await slow!.create(delivery('slow'))).toBe(true);
    expect(store.calls).toEqual([['fast'], ['slow']]);
  });

  it('answers each record by its own result, and fails every waiting one when the write fails', async () => {
    const store = recordingStore(async () => [true, false, new Error('throttled for good')]);
    const records = new RecordBatch(store, 60_000);
    const slots = [records.slot(), records.slot(), records.slot()];
    const results = await Promise.allSettled(slots.map((slot, index) => slot.create(delivery(`d${index}`))));
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([true, false, 'throttled for good']);

    const failing = new RecordBatch(recordingStore(async () => Promise.reject(new Error('unreachable'))), 60_000);
    const pair = [failing.slot(), failing.slot()];
    await expect(Promise.all(pair.map((slot, index) => slot.create(delivery(`e${index}`))))).rejects.toThrow('unreachable');
  });

  it('takes one record per slot; leave after create changes nothing', async () => {
    const store = recordingStore();
    const records = new RecordBatch(store, 60_000);
    const slot = records.slot();
    const written = slot.create(delivery('a'));
    slot.leave();
    await expect(slot.create(delivery('b'))).rejects.toThrow('one delivery');
    expect(await written).toBe(true);
    expect(store.calls).toEqual([['a']]);
  });
});
