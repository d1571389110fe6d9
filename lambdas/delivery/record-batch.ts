// The first-attempt records of one queue batch, written together. Each new delivery is recorded
// after its send; rather than one write request per delivery, a record waits until every
// first attempt of the batch has reached its record (or ended without one), or `lingerMs` at
// most, and all records waiting then go to the store in one call. A batch of ten clean
// deliveries is one request instead of ten, at the same write units.
import type { Delivery } from '../domain/model';
import type { DeliveryStore } from './delivery-store';

/** One first attempt's place in the batch: it records its delivery, or leaves without one. */
export interface RecordSlot {
  /** Resolves true when written, false when the delivery existed already; rejects when it could not be written. */
  create(delivery: Delivery): Promise<boolean>;
  /** The attempt ends without a record of its own (call it in any case: after `create` it does nothing). */
  leave(): void;
}

interface Waiting {
  readonly delivery: Delivery;
  readonly settle: (created: boolean) => void;
  readonly fail: (error: unknown) => void;
}

export class RecordBatch {
  private waiting: Waiting[] = [];
  private outstanding = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: Pick<DeliveryStore, 'createDeliveries'>,
    /** The longest a record waits for the batch's slower sends before it is written anyway. */
    private readonly lingerMs: number,
  ) {}

  /** A place for one first attempt; every slot must end in `create` or `leave`. */
  slot(): RecordSlot {
    this.outstanding += 1;
    let used = false;
    const arrive = () => {
      if (used) return false;
      used = true;
      this.outstanding -= 1;
      return true;
    };
    return {
      create: (delivery) => {
        if (!arrive()) return Promise.reject(new Error('RecordBatch: a slot records one delivery'));
        const written = new Promise<boolean>((settle, fail) => this.waiting.push({ delivery, settle, fail }));
        this.arrived();
        return written;
      },
      leave: () => {
        if (arrive()) this.arrived();
      },
    };
  }

  private arrived(): void {
    if (this.outstanding === 0) this.flush();
    else if (this.waiting.length > 0) this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.store.createDeliveries(batch.map((entry) => entry.delivery)).then(
      (results) =>
        batch.forEach((entry, index) => {
          const result = results[index];
          if (typeof result === 'boolean') entry.settle(result);
          else entry.fail(result ?? new Error('createDeliveries: no result'));
        }),
      (error: unknown) => batch.forEach((entry) => entry.fail(error)),
    );
  }
}
