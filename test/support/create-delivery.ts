// One new delivery through DeliveryStore.createDeliveries, as tests and seeds write them.
import type { DeliveryStore } from '../../lambdas/delivery/delivery-store';
import type { Delivery } from '../../lambdas/domain/model';

/** True when written, false when it existed already; throws what kept it from being written. */
export async function createDelivery(store: Pick<DeliveryStore, 'createDeliveries'>, delivery: Delivery): Promise<boolean> {
  const [result] = await store.createDeliveries([delivery]);
  if (result instanceof Error) throw result;
  if (result === undefined) throw new Error('createDeliveries answered nothing');
  return result;
}
