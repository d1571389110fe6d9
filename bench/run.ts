// `npm run bench`: what a webhook delivery costs, where DynamoDB gets hot, how fast the dispatcher
// is next to a bare sign-and-POST loop, and the end-to-end latency of the local run. Everything
// runs on 127.0.0.1; AWS is the in-process stub (bench/stub/) except for the end-to-end part.
//
//   npm run bench [-- --json] [--events 200] [--hot-key-events 1000] [--throughput-deliveries 600] [--reps 5]
//                 [--e2e-events 60] [--e2e-dynamodb-warm-up 1500] [--no-e2e] [--cold-start-runs 9] [--no-cold-start]
//                 [--aws-latency-ms 4] [--receiver-latency-ms 50] [--save]
//
// Measurement modules return plain objects; print.ts renders them (tables, or with --json one
// JSON object as the last line of stdout). Progress goes to stderr. The whole report goes to
// .cache/bench/latest.json (untracked), or with --save to the tracked bench/results/latest.json
// (results-file.ts); stderr says which.
import os from 'node:os';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { measureColdStart } from './cold-start';
import { measureE2e } from './measure-e2e';
import { measureThroughput } from './measure-throughput';
import { measureUnits } from './measure-units';
import { PRICES, PRICES_SOURCE } from './prices';
import { renderJson, renderTable } from './print';
import { type BenchReport, headlineOf } from './report';
import { REPOSITORY_ROOT, writeResultsFile } from './results-file';
import { loadBenchStack } from './stack';

// As in jest.config.js: the SDK warns once per process that Node 20 support ends in 2027.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean' },
    events: { type: 'string' },
    'hot-key-events': { type: 'string' },
    'throughput-deliveries': { type: 'string' },
    reps: { type: 'string' },
    'e2e-events': { type: 'string' },
    'e2e-dynamodb-warm-up': { type: 'string' },
    'no-e2e': { type: 'boolean' },
    'no-cold-start': { type: 'boolean' },
    'cold-start-runs': { type: 'string' },
    'aws-latency-ms': { type: 'string' },
    'receiver-latency-ms': { type: 'string' },
    save: { type: 'boolean' },
  },
});

function whole(value: string | undefined, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) throw new Error(`expected a whole number >= ${minimum}, got "${value}"`);
  return parsed;
}

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  progress('synthesizing the app (batching window 0) unless .cache/bench/cdk.out is fresh...');
  const stack = await loadBenchStack();

  // The measurement modules, in order; each returns a plain object for the report.
  progress('AWS work, cost and hot keys through the dispatcher over the AWS stub...');
  const units = await measureUnits(stack, {
    events: whole(args.events, 200),
    hotKeyEvents: whole(args['hot-key-events'], 1000),
    awsLatencyMs: whole(args['aws-latency-ms'], 4, 0),
    receiverLatencyMs: whole(args['receiver-latency-ms'], 50, 0),
  });
  progress('throughput: dispatcher vs bare sign-and-POST loop...');
  const throughput = await measureThroughput(stack, { deliveries: whole(args['throughput-deliveries'], 600), lanes: 4, reps: whole(args.reps, 5) });
  let e2e;
  if (!args['no-e2e']) {
    progress('end to end through the local run...');
    e2e = await measureE2e(stack, {
      events: whole(args['e2e-events'], 60),
      warmUp: 5,
      dynamoDbWarmUpRequests: whole(args['e2e-dynamodb-warm-up'], 1500, 0),
    });
  }
  let coldStart;
  if (!args['no-cold-start']) {
    progress('cold start: bundle sizes, and dispatcher init against a bare bundle of the same SDK clients...');
    coldStart = await measureColdStart({ runs: whole(args['cold-start-runs'], 9) });
  }

  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    elapsedSeconds: (performance.now() - started) / 1000,
    machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, platform: `${os.platform()} ${os.arch()}` },
    prices: PRICES,
    pricesSource: PRICES_SOURCE,
    headline: headlineOf(units, throughput, e2e, coldStart),
    units,
    throughput,
    ...(e2e ? { e2e } : {}),
    ...(coldStart ? { coldStart } : {}),
  };
  const written = writeResultsFile(report, { save: args.save === true });
  progress(`report written to ${relative(REPOSITORY_ROOT, written)}${args.save ? '' : ' (untracked; --save writes bench/results/latest.json)'}`);
  process.stdout.write(`${args.json ? renderJson(report) : renderTable(report)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
