// Memory of one batch mode, measured in a fresh process of its own (RSS only ever grows, so two
// modes in one process would skew each other). Started by bench/run.ts with --expose-gc and an
// IPC channel; receives its job as JSON in BENCH_MEMORY_JOB and sends back one MemoryResult.
import { clickMessage, createHarness, type BatchMode, type BenchTarget } from './harness';

export interface MemoryJob {
  readonly target: BenchTarget;
  readonly accountId: string;
  readonly mode: BatchMode;
  readonly records: number;
  readonly batches: number;
  readonly expectedDeliveries: number;
}

export interface MemoryBatch {
  /** Of a batch run without the sampler (which costs CPU of its own). */
  wallMs: number;
  cpuMs: number;
  /** Highest RSS seen during the sampled batch, MB. */
  peakRssMb: number;
  /** Highest heapUsed during the sampled batch minus heapUsed just before it (after a full GC), MB. */
  peakHeapAboveBaselineMb: number;
  /** heapUsed after a full GC taken the moment the most POSTs were in flight, minus the baseline, MB. */
  liveHeapAtPeakMb: number;
  /** How many POSTs were in flight at that moment. */
  peakInFlight: number;
}

export interface MemoryResult {
  mode: BatchMode;
  batches: MemoryBatch[];
  /** process.resourceUsage().maxRSS at the end (whole life of the worker, warm-up included), MB. */
  maxRssMb: number;
}

const MB = 1024 * 1024;
const SAMPLE_EVERY_MS = 2;

async function main(): Promise<void> {
  const job = JSON.parse(process.env.BENCH_MEMORY_JOB ?? 'null') as MemoryJob | null;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!job || !gc || !process.send) throw new Error('memory-worker runs only from bench/run.ts (needs BENCH_MEMORY_JOB, --expose-gc and IPC)');
  // Ideally every delivery of the batch at once (concurrent) or the endpoints of one record
  // (sequential); when CPU staggers the records, the first answers may come back before the last
  // POST starts, so the probe fires at the most POSTs seen in flight in the batch before.
  let maxInFlight = 0;
  let probe: { threshold?: number; heapUsed?: number } = {};
  const harness = createHarness(job.target, {
    onSendStart(inFlight) {
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (probe.threshold === undefined || inFlight < probe.threshold) return;
      gc();
      probe = { heapUsed: process.memoryUsage().heapUsed };
    },
  });
  const batch = () => Array.from({ length: job.records }, () => clickMessage(job.accountId, `mem-${job.mode}`));
  const run = async (): Promise<void> => {
    const bodies = batch();
    harness.meter.reset();
    maxInFlight = 0;
    const { failures } = await harness.runBatch(job.mode, bodies);
    const succeeded = harness.meter.snapshot().metrics.DeliveriesSucceeded ?? 0;
    if (failures > 0 || succeeded !== job.expectedDeliveries) {
      throw new Error(`memory batch ${job.mode}: ${failures} failed records, ${succeeded}/${job.expectedDeliveries} deliveries succeeded`);
    }
  };
  const settle = async (): Promise<NodeJS.MemoryUsage> => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return process.memoryUsage();
  };

  // Warm-up: JIT, SDK clients, connection set-up; not measured.
  await run();
  const batches: MemoryBatch[] = [];
  for (let index = 0; index < job.batches; index += 1) {
    // Time and CPU, undisturbed.
    await settle();
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    await run();
    const wallMs = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);

    // Memory: sampled peaks, then a separate batch for the live heap at full concurrency (its GC pause would skew the peaks).
    const baseline = await settle();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sample = (): void => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    };
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    await run();
    sample();
    clearInterval(sampler);

    let peakInFlight = maxInFlight;
    let liveBaseline = await settle();
    for (let attempt = 1; ; attempt += 1) {
      probe = { threshold: peakInFlight };
      await run();
      if (probe.heapUsed !== undefined) break;
      if (attempt === 3) throw new Error(`memory batch ${job.mode}: never saw ${peakInFlight} POSTs in flight`);
      peakInFlight = maxInFlight;
      liveBaseline = await settle();
    }

    batches.push({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb: peakRss / MB,
      peakHeapAboveBaselineMb: (peakHeap - baseline.heapUsed) / MB,
      liveHeapAtPeakMb: (probe.heapUsed! - liveBaseline.heapUsed) / MB,
      peakInFlight,
    });
  }
  await harness.close();
  const result: MemoryResult = { mode: job.mode, batches, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  await new Promise<void>((resolve, reject) => process.send!(result, (error: Error | null) => (error ? reject(error) : resolve())));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
