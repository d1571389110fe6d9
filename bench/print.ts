// The one printer: renders a BenchReport as readable tables, or as one JSON line.
import type { CostSplit, PathUsage } from './measure-units';
import { type BenchReport, type Headline, TARGETS } from './report';

export function renderJson(report: BenchReport): string {
  // Headline keys first, at the top level; everything measured under `details`.
  const { headline, ...details } = report;
  return JSON.stringify({ ...headline, details });
}

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function table(title: string, headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [`\n${title}`, line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function verdict(key: keyof Headline, value: number | null): string {
  const target = TARGETS[key];
  if (!target || value === null) return '';
  const met = target.op === '<=' ? value <= target.limit : value >= target.limit;
  return `${target.op} ${target.limit}  ${met ? 'met' : 'NOT met'}`;
}

export function renderTable(report: BenchReport): string {
  const { units, throughput, e2e, headline } = report;
  const out: string[] = [];
  out.push(
    table(
      'Headline figures (targets are reported, not asserted)',
      ['figure', 'value', 'target'],
      (Object.entries(headline) as Array<[keyof Headline, number | null]>).map(([key, value]) => [key, value === null ? 'not measured' : String(value), verdict(key, value)]),
    ),
  );

  const paths: PathUsage[] = [units.clean, units.fanout4, units.retried];
  out.push(
    table(
      `AWS work per successful delivery (${fmt(units.meanDeliveryBodyBytes, 0)}-byte webhook body, batches of ${units.batchSize})`,
      ['path', 'WRU', 'RRU', 'DynamoDB requests', 'SQS req', 'PutEvents', 'Scheduler', 'KMS req', 'Lambda inv', 'Lambda GB-s'],
      paths.map((path) => [
        path.label,
        fmt(path.perDelivery.writeUnits),
        fmt(path.perDelivery.readUnits),
        Object.entries(path.perDelivery.dynamoRequests).map(([op, count]) => `${op} ${fmt(count, 2)}`).join(', '),
        fmt(path.perDelivery.sqsRequests),
        fmt(path.perDelivery.putEvents),
        fmt(path.perDelivery.schedulerInvocations),
        fmt(path.perDelivery.kmsRequests, 4),
        fmt(path.perDelivery.lambdaInvocations, 3),
        fmt(path.perDelivery.lambdaGbSeconds, 4),
      ]),
    ),
  );
  out.push(
    table(
      'DynamoDB units per delivery by operation (write / read)',
      ['path', ...new Set(paths.flatMap((path) => Object.keys(path.unitsByOperation)))],
      paths.map((path) => {
        const operations = [...new Set(paths.flatMap((p) => Object.keys(p.unitsByOperation)))];
        return [path.label, ...operations.map((op) => (path.unitsByOperation[op] ? `${fmt(path.unitsByOperation[op].write)} / ${fmt(path.unitsByOperation[op].read)}` : '-'))];
      }),
    ),
  );
  out.push(
    table(
      `Counts aggregator (table stream -> hourly counts), included above: per delivery, batches of ${units.countsBatchSize} records, ${units.countsMemoryMb} MB`,
      ['path', 'stream records', 'UpdateItems per batch', 'batch ms', 'Lambda inv', 'Lambda GB-s', 'WRU'],
      paths.map((path) => [
        path.label,
        fmt(path.countsAggregator.streamRecordsPerDelivery),
        fmt(path.countsAggregator.writesPerBatch, 0),
        fmt(path.countsAggregator.meanBatchMs, 1),
        fmt(path.countsAggregator.lambdaInvocations, 5),
        fmt(path.countsAggregator.lambdaGbSeconds, 7),
        fmt(path.countsAggregator.writeUnits, 4),
      ]),
    ),
  );
  const costColumns: Array<keyof CostSplit> = ['dynamodb', 'eventBridge', 'sqs', 'lambda', 'scheduler', 'total'];
  out.push(
    table(
      `USD per million deliveries (${report.pricesSource.region} list prices recorded ${report.pricesSource.recordedOn}, bench/prices.ts; Lambda arm64)`,
      ['path', ...costColumns],
      paths.map((path) => [path.label, ...costColumns.map((column) => fmt(path.costPerMillionDeliveries[column], 3))]),
    ),
  );
  out.push(
    table(
      'Busiest partition keys at volume (units/s; a partition serves at most 1,000 write and 3,000 read units/s)',
      ['scenario', 'rate', 'table or index', 'partition key', 'writes/s', 'reads/s'],
      units.hotKeys.flatMap((scenario) =>
        scenario.topKeys.map((key, index) => [
          index === 0 ? `(${scenario.label}) ${scenario.description}` : '',
          index === 0 ? `${scenario.ratePerSecond} ${scenario.rateUnit}/s` : '',
          key.target,
          key.partitionKey,
          fmt(key.writesPerSecond, 0),
          fmt(key.readsPerSecond, 0),
        ]),
      ),
    ),
  );
  out.push(
    table(
      `Throughput: deliveries/s, ${throughput.concurrentPosts} POSTs in flight (${throughput.options.lanes} batches), instant receiver and AWS stub, ${throughput.options.deliveries} deliveries per run`,
      ['run', 'dispatcher', 'bare sign + POST', 'ratio'],
      [
        ...throughput.dispatcherPerSecond.map((rate, index) => [`#${index + 1}`, fmt(rate, 0), fmt(throughput.barePerSecond[index] ?? NaN, 0), fmt(rate / (throughput.barePerSecond[index] ?? NaN))]),
        ['median', '', '', fmt(throughput.ratio, 3)],
      ],
    ),
  );
  out.push(`dispatcher CPU ${fmt(throughput.cpuMsPerDelivery, 2)} ms per delivery; peak RSS of the bench process ${fmt(throughput.peakRssMb, 0)} MB`);
  out.push(
    `least AWS work per batch (2 reads, 1 insert of its deliveries; canned answers) ${fmt(throughput.floorCpuUsPerDelivery, 0)} us per delivery ` +
      `on top of bare sign + POST ${fmt(throughput.bareCpuUsPerDelivery, 0)} us: no dispatcher can pass a ratio of ${fmt(throughput.ratioBound, 3)} here`,
  );
  if (e2e) {
    out.push(
      table(
        `End to end through the local run (npm start), PutEvents to receiver, batching window ${e2e.batchingWindowSeconds} s, account cache ${e2e.accountCacheSeconds} s, ` +
          `one event at a time (each after the previous invocation ended), after ${e2e.dynamoDbWarmUpRequests} DynamoDB Local warm-up requests ` +
          `(${fmt(e2e.dynamoDbWarmUpMs / 1000, 1)} s); dispatcher cold starts: ${e2e.dispatcherColdStarts}`,
        ['events', 'p50 ms', 'p99 ms', 'min ms', 'max ms'],
        [[e2e.events, fmt(e2e.p50Ms, 1), fmt(e2e.p99Ms, 1), fmt(Math.min(...e2e.latenciesMs), 1), fmt(Math.max(...e2e.latenciesMs), 1)]],
      ),
    );
  } else out.push('\nEnd to end: not measured (--no-e2e)');
  if (report.coldStart !== undefined) out.push(`\nCold start:\n${JSON.stringify(report.coldStart, null, 2)}`);
  out.push(`\nAssumptions:\n${units.assumptions.map((line) => `- ${line}`).join('\n')}`);
  out.push(
    `\nMachine: ${report.machine.cpus} CPUs (${report.machine.cpuModel ?? '?'}), Node ${report.machine.node}, ${report.machine.platform}; ${fmt(report.elapsedSeconds, 1)} s`,
  );
  return out.join('\n');
}
