// The deployed shape the bench measures against, read from the synthesized template (as the local
// run reads it): the table and its indexes, the dispatcher's environment and memory, the SQS
// event source's batch size, and the counts aggregator's memory and stream event source (batch
// size, filter). The bench synthesizes its own copy into .cache/bench/cdk.out, with
// the dispatcher's batching window at 0 (CDK context), so cdk.out of `npm start` is left alone.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import {
  describeLocalStack,
  type LocalEventSourceMapping,
  type LocalFunction,
  type LocalStreamEventSourceMapping,
  type LocalTable,
} from '../local/local-stack';
import type { LocalKmsKeyConfig } from '../local/aws-endpoint/kms';
import { templateIsFresh } from '../local/synth';
import { readSynthesizedStack } from '../local/template';

export const ROOT = resolve(__dirname, '..');
export const STACK_NAME = 'GeoRedirWebhooks';
/** Relative to the repository root (the local run resolves it there too). */
export const BENCH_CDK_OUT = join('.cache', 'bench', 'cdk.out');
export const BATCHING_WINDOW_CONTEXT = 'georedir-webhooks:dispatcherBatchingWindowSeconds';

export interface BenchStack {
  readonly table: LocalTable;
  readonly dispatcher: LocalFunction;
  /** The dispatch queue's event source (producer events). */
  readonly eventSource: LocalEventSourceMapping;
  /** The retry queue's event source (retries, redeliveries, recovers). */
  readonly retrySource: LocalEventSourceMapping;
  readonly counts: LocalFunction;
  /** The table's stream as the counts aggregator reads it. */
  readonly countsSource: LocalStreamEventSourceMapping;
  /** The stack's KMS keys, with the ARNs the dispatcher's environment names (SECRETS_KEY_ARN). */
  readonly kmsKeys: readonly LocalKmsKeyConfig[];
  readonly synthesizedMs: number;
}

export async function loadBenchStack(): Promise<BenchStack> {
  const outDir = join(ROOT, BENCH_CDK_OUT);
  const started = performance.now();
  if (!templateIsFresh(ROOT, join(outDir, `${STACK_NAME}.template.json`))) {
    const cli = join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
    await run(process.execPath, [cli, 'synth', '--quiet', '--no-notices', '--output', BENCH_CDK_OUT, '-c', `${BATCHING_WINDOW_CONTEXT}=0`, STACK_NAME]);
  }
  const synthesizedMs = performance.now() - started;
  const stack = describeLocalStack(readSynthesizedStack(outDir, STACK_NAME), {
    region: 'us-east-1',
    accountId: '000000000000',
    awsEndpointUrl: 'http://127.0.0.1:4566',
    apiUrl: 'http://127.0.0.1:3000',
  });
  const mappingOf = (output: string) => stack.eventSourceMappings.find((mapping) => mapping.queue.url === stack.outputs[output]);
  const eventSource = mappingOf('DispatchQueueUrl');
  const retrySource = mappingOf('RetryQueueUrl');
  const dispatcher = stack.functions.find((fn) => fn.logicalId === eventSource?.functionLogicalId);
  const table = stack.tables[0];
  if (!eventSource || !retrySource || retrySource.functionLogicalId !== dispatcher?.logicalId || !table || stack.tables.length !== 1) {
    throw new Error('bench: expected one table and the dispatcher consuming the dispatch and the retry queue in the template');
  }
  const countsSource = stack.streamEventSourceMappings[0];
  const counts = stack.functions.find((fn) => fn.logicalId === countsSource?.functionLogicalId);
  if (!countsSource || !counts || stack.streamEventSourceMappings.length !== 1) {
    throw new Error('bench: expected one stream event source mapping (the counts aggregator) in the template');
  }
  return { table, dispatcher, eventSource, retrySource, counts, countsSource, kmsKeys: stack.kmsKeys, synthesizedMs };
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveRun() : reject(new Error(`cdk synth exited ${code}:\n${output}`))));
  });
}
