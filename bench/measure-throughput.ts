// Deliveries per second through the real dispatcher code path (its AWS calls answered by the
// instant in-process stub), against a bare loop that only signs and POSTs the same bodies with
// the same HTTP client, at the same concurrency, to the same loopback receiver. The ratio is
// what the dispatcher's own work (parsing, storage calls through the SDK, bookkeeping) costs.
import { createHttpSender } from '../lambdas/adapters/http-sender';
import { buildDeliveryHeaders } from '../lambdas/domain/signing';
import { USER_AGENT } from '../lambdas/shared/version';
import { measureThroughputFloor } from './measure-throughput-floor';
import { startBenchReceiver } from './receiver';
import { createWorld, eventMessageBody, asMessages } from './scenario';
import type { BenchStack } from './stack';

export interface ThroughputOptions {
  /** Deliveries per measured run. */
  readonly deliveries: number;
  /** Batches in flight at once (each of the event source's batch size). */
  readonly lanes: number;
  readonly reps: number;
}

export interface ThroughputResult {
  readonly options: ThroughputOptions;
  readonly concurrentPosts: number;
  readonly dispatcherPerSecond: number[];
  readonly barePerSecond: number[];
  /** Median dispatcher rate / median bare rate. */
  readonly ratio: number;
  /** Peak resident memory of this process during the dispatcher runs. */
  readonly peakRssMb: number;
  /** Dispatcher CPU per delivery (user + system), this process. */
  readonly cpuMsPerDelivery: number;
  /** The bare loop's CPU per delivery (median of the reps), receiver included as for the dispatcher. */
  readonly bareCpuUsPerDelivery: number;
  /** The least AWS work of a batch per delivery (measure-throughput-floor.ts), median of the reps. */
  readonly floorCpuUsPerDelivery: number;
  /**
   * The best ratio any dispatcher doing that least work could reach on this machine:
   * bare / (bare + floor). A target above it cannot be met by tuning.
   */
  readonly ratioBound: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function measureThroughput(stack: BenchStack, options: ThroughputOptions): Promise<ThroughputResult> {
  const batchSize = stack.eventSource.batchSize;
  const concurrentPosts = options.lanes * batchSize;
  const receiver = await startBenchReceiver({ latencyMs: 0 });
  const world = await createWorld(stack);
  const accountId = 'acct_throughput';
  await world.seedAccount(accountId, [{ url: receiver.url, events: ['*'] }]);
  const sender = createHttpSender({ allowPrivate: true, timeoutMs: world.config.deliveryTimeoutMs });
  const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  let cpuMicros = 0;
  let cpuDeliveries = 0;
  const bareCpu: number[] = [];

  const dispatcherRun = async (count: number): Promise<number> => {
    const bodies = Array.from({ length: count }, () => eventMessageBody(accountId));
    let next = 0;
    const before = world.metrics.get('DeliveriesSucceeded') ?? 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.lanes }, async () => {
        while (next < bodies.length) {
          const batch = bodies.slice(next, (next += batchSize));
          const failed = await world.dispatcher.handleBatch(asMessages(batch));
          if (failed.length) throw new Error(`bench throughput: ${failed.length} messages failed`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    cpuDeliveries += count;
    const delivered = (world.metrics.get('DeliveriesSucceeded') ?? 0) - before;
    if (delivered !== count) throw new Error(`bench throughput: ${delivered}/${count} delivered`);
    return count / seconds;
  };

  const bareRun = async (count: number): Promise<number> => {
    // The same webhook bodies the dispatcher sends: {event, timestamp, data} of each event.
    const bodies = Array.from({ length: count }, () => {
      const envelope = JSON.parse(eventMessageBody(accountId)) as { 'detail-type': string; detail: { timestamp: string; data: unknown } };
      return JSON.stringify({ event: envelope['detail-type'], timestamp: envelope.detail.timestamp, data: envelope.detail.data });
    });
    let next = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrentPosts }, async () => {
        while (next < bodies.length) {
          const index = next++;
          const body = bodies[index]!;
          const headers = buildDeliveryHeaders({
            body,
            eventType: 'click',
            deliveryId: `dlv_bare${index}`,
            attempt: 1,
            timestampSeconds: Math.floor(Date.now() / 1000),
            secret,
            userAgent: USER_AGENT,
          });
          const result = await sender.send(receiver.url, headers, body);
          if (result.outcome !== 'succeeded') throw new Error(`bench throughput: bare POST ${result.outcome}`);
        }
      }),
    );
    const rate = count / ((performance.now() - started) / 1000);
    const used = process.cpuUsage(cpu);
    bareCpu.push((used.user + used.system) / count);
    return rate;
  };

  try {
    // Warm-up of both (JIT, sockets); not kept.
    await dispatcherRun(Math.min(200, options.deliveries));
    await bareRun(Math.min(200, options.deliveries));
    cpuMicros = 0;
    cpuDeliveries = 0;
    bareCpu.length = 0;
    const dispatcherPerSecond: number[] = [];
    const barePerSecond: number[] = [];
    for (let rep = 0; rep < options.reps; rep += 1) {
      // Alternate the order, so drift in the machine's load hits both alike.
      if (rep % 2 === 0) {
        dispatcherPerSecond.push(await dispatcherRun(options.deliveries));
        barePerSecond.push(await bareRun(options.deliveries));
      } else {
        barePerSecond.push(await bareRun(options.deliveries));
        dispatcherPerSecond.push(await dispatcherRun(options.deliveries));
      }
    }
    const floor = await measureThroughputFloor({ batchSize, lanes: options.lanes, batches: Math.ceil(options.deliveries / batchSize), reps: options.reps });
    const bareCpuUsPerDelivery = median(bareCpu);
    const floorCpuUsPerDelivery = median(floor.cpuUsPerDelivery);
    return {
      options,
      concurrentPosts,
      bareCpuUsPerDelivery,
      floorCpuUsPerDelivery,
      ratioBound: bareCpuUsPerDelivery / (bareCpuUsPerDelivery + floorCpuUsPerDelivery),
      dispatcherPerSecond,
      barePerSecond,
      ratio: median(dispatcherPerSecond) / median(barePerSecond),
      peakRssMb: peakRss / 2 ** 20,
      cpuMsPerDelivery: cpuMicros / 1000 / cpuDeliveries,
    };
  } finally {
    clearInterval(sampler);
    await sender.close();
    await world.close();
    await receiver.close();
  }
}
