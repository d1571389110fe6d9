// The local run's orchestration: reads the synthesized template and starts what it describes, in
// order (DynamoDB Local with the template's tables, the AWS endpoint with its queues, buses, rules
// and schedule groups, each Lambda function from its bundle in its own processes, the dev account,
// the SQS and DynamoDB stream event source mappings, the HTTP API routes), and stops it all again. No argument parsing
// or process signals here: local/start.ts is the command, this is what it and tests call.
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { noEndpointSecrets } from '../lambdas/adapters/endpoint-items';
import { ManagementStore } from '../lambdas/adapters/management-store';
import { API_ENV } from '../lambdas/api/config';
import { KmsSecretBox } from '../lambdas/adapters/secret-box';
import { ENV } from '../lambdas/shared/config';
import { OffsetClock } from './aws-endpoint/clock';
import { type AwsEndpoint, startAwsEndpoint } from './aws-endpoint/server';
import { provisionDevAccount } from './dev-account';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { dynamoDbStreamsApi } from './dynamodb-streams';
import { concurrencyLimit, createPollerSqsClient, startSqsEventSource } from './event-source-poller';
import { type HttpApi, startHttpApi } from './http-api';
import { createLocalLambda, type LocalLambda } from './lambda-runner';
import { describeLocalStack, type LocalFunction, type LocalStack } from './local-stack';
import { type LocalOutputs, writeLocalOutputs } from './outputs';
import { ensureSynthesized } from './synth';
import { startStreamEventSource } from './stream-event-source-poller';
import { ensureTables } from './tables';
import { readSynthesizedStack } from './template';

export interface LocalRunOptions {
  readonly root: string;
  readonly stackName: string;
  readonly apiPort: number;
  readonly awsPort: number;
  readonly outputDir: string;
  /** Keeps DynamoDB data, queues, schedules and the dev account here across restarts. */
  readonly persistDir?: string;
  /** Use cdk.out as it is, even if older than the sources. */
  readonly skipSynth?: boolean;
  /** The synthesized app's folder relative to root (LOCAL_CDK_OUT); default cdk.out. The bench runs its own. */
  readonly cdkOut?: string;
  /** Variables set on every function over the template's values. */
  readonly functionOverrides: Readonly<Record<string, string>>;
  /** Logs every AWS endpoint request and HTTP API request. */
  readonly verbose?: boolean;
  /**
   * Execution environments each function starts with (at most its concurrency; default 1). A busy
   * deployment has its environments warm; on a 2-core machine a burst of cold starts slows everything.
   */
  readonly warmEnvironments?: number;
  readonly print: (line: string) => void;
  /** Aborting during start stops what has started and rejects. */
  readonly signal?: AbortSignal;
}

export interface LocalRun {
  readonly outputs: LocalOutputs;
  readonly outputsPath: string;
  readonly stack: LocalStack;
  stop(): Promise<void>;
}

export const LOCAL_AWS_ACCOUNT_ID = '000000000000';
/** The local endpoint accepts any credentials; these make sure no real ones are ever used. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local', sessionToken: 'local' };
const HOST = '127.0.0.1';

export async function startLocalRun(options: LocalRunOptions): Promise<LocalRun> {
  const say = (line: string) => options.print(`[local] ${line}`);
  const running: Running = { functions: [], sources: [], clients: [] };
  const stop = () => stopAll(running, say);
  const checkpoint = () => {
    if (options.signal?.aborted) throw new Error('start interrupted');
  };

  try {
    const persistDir = options.persistDir ? resolve(options.persistDir) : undefined;
    if (persistDir) mkdirSync(join(persistDir, 'dynamodb'), { recursive: true });
    // Java takes a few seconds to start: let it boot while the template is synthesized.
    const dynamoStarting = startDynamoDbLocal(persistDir ? { inMemory: false, dbPath: join(persistDir, 'dynamodb') } : { inMemory: true });
    running.dynamo = dynamoStarting;
    // Awaited below; until then a failed start must not count as an unhandled rejection.
    dynamoStarting.catch(() => undefined);

    if (options.skipSynth) say('using cdk.out as it is (--no-synth)');
    else {
      const synth = await ensureSynthesized({
        root: options.root,
        ...(options.cdkOut ? { outDir: options.cdkOut } : {}),
        stackName: options.stackName,
        log: say,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      checkpoint();
      say(synth.synthesized ? `synthesized in ${(synth.durationMs / 1000).toFixed(1)} s` : 'template is up to date, not synthesizing');
    }
    const synthesized = readSynthesizedStack(join(options.root, options.cdkOut ?? 'cdk.out'), options.stackName);
    const region = synthesized.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const awsEndpointUrl = `http://${HOST}:${options.awsPort}`;
    const apiUrl = `http://${HOST}:${options.apiPort}`;
    const stack = describeLocalStack(synthesized, { region, accountId: LOCAL_AWS_ACCOUNT_ID, awsEndpointUrl, apiUrl });
    for (const warning of stack.warnings) say(`note: ${warning}`);
    const notEmulated = Object.entries(stack.notEmulated).map(([type, count]) => `${type} x${count}`);
    if (notEmulated.length > 0) say(`not emulated (AWS-side only): ${notEmulated.join(', ')}`);

    const dynamo: DynamoDbLocal = await dynamoStarting;
    checkpoint();
    say(`DynamoDB Local ${persistDir ? `(data in ${shortPath(join(persistDir, 'dynamodb'))})` : '(in memory)'} up in ${(dynamo.startupMs / 1000).toFixed(1)} s`);
    const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials: LOCAL_CREDENTIALS });
    running.clients.push(dynamoClient);
    for (const table of await ensureTables(dynamoClient, stack.tables)) {
      say(`table ${table.tableName} ${table.created ? 'created from the template' : `kept from --persist${table.streamUpdated ? ' (stream switched on as the template asks)' : ''}`}`);
    }
    if (stack.tables.some((table) => table.ttlAttribute)) say('note: DynamoDB Local keeps TTL settings but never expires items');
    checkpoint();

    const aws: AwsEndpoint = await startAwsEndpoint({
      host: HOST,
      port: options.awsPort,
      region,
      accountId: LOCAL_AWS_ACCOUNT_ID,
      dynamoDbEndpoint: dynamo.endpoint,
      queues: stack.queues.map((queue) => queue.config),
      buses: stack.buses,
      scheduleGroups: stack.scheduleGroups,
      kmsKeys: stack.kmsKeys,
      // Real time that POST /_local/clock can move ahead, so a 2-hour retry need not take 2 hours.
      clock: new OffsetClock(),
      ...(persistDir ? { persistFile: join(persistDir, 'aws-endpoint.json') } : {}),
      ...(options.verbose ? { log: (line: string) => options.print(`[aws] ${line}`) } : {}),
      // An event the bus could not deliver is printed whatever the verbosity: nobody else is told.
      warn: (line: string) => options.print(`[aws] ${line}`),
    }).catch((error: unknown) => {
      throw portError(error, options.awsPort, 'AWS_LOCAL_PORT');
    });
    running.aws = aws;
    checkpoint();

    const functions = new Map<string, LocalLambda>();
    for (const fn of stack.functions) {
      const lambda = createLocalLambda({
        functionName: fn.functionName,
        label: fn.label,
        arn: fn.arn,
        codeDir: fn.codeDir,
        handler: fn.handler,
        runtime: fn.runtime,
        timeoutSeconds: fn.timeoutSeconds,
        memoryMb: fn.memoryMb,
        logGroupName: fn.logGroupName,
        ...maxConcurrencyOf(fn, stack),
        environment: {
          ...fn.environment,
          ...options.functionOverrides,
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
          AWS_SESSION_TOKEN: LOCAL_CREDENTIALS.sessionToken,
          AWS_ENDPOINT_URL: aws.url,
        },
        log: (line) => options.print(`[${fn.label}] ${line}`),
      });
      functions.set(fn.logicalId, lambda);
      running.functions.push(lambda);
    }
    // Cold starts now rather than on the first event: a broken bundle or variable fails the start.
    await Promise.all(
      [...functions.values()].filter((lambda) => lambda.config.maxConcurrency !== 0).map((lambda) =>
        lambda.warm(options.warmEnvironments).catch((error: unknown) => {
          throw new Error(`function ${lambda.config.label} failed to initialise: ${(error as Error).message}`);
        }),
      ),
    );
    checkpoint();
    say(`functions initialised: ${stack.functions.map((fn) => `${fn.label} (${fn.runtime} on local Node ${process.versions.node})`).join(', ')}`);

    // Sealing as the functions do: the stack's secrets key in the local KMS (the dev account itself holds no endpoint).
    const secretsKeyArn = stack.functions.map((fn) => fn.environment[ENV.secretsKeyArn]).find((arn) => arn !== undefined);
    const kms = new KMSClient({ endpoint: aws.url, region, credentials: LOCAL_CREDENTIALS });
    running.clients.push(kms);
    const devAccount = await provisionDevAccount(
      new ManagementStore(dynamoClient, tableOutput(stack), 30, secretsKeyArn ? new KmsSecretBox(kms, secretsKeyArn) : noEndpointSecrets('the local run')),
      persistDir ? join(persistDir, 'dev-account.json') : undefined,
    );
    checkpoint();
    say(`dev account ${devAccount.accountId} ${devAccount.reused ? '(kept from --persist)' : 'created'}`);

    const sqsClient = createPollerSqsClient({ endpoint: aws.url, region, credentials: LOCAL_CREDENTIALS });
    running.clients.push(sqsClient);
    for (const mapping of stack.eventSourceMappings.filter((candidate) => candidate.enabled)) {
      const fn = stack.functions.find((candidate) => candidate.logicalId === mapping.functionLogicalId)!;
      const lambda = functions.get(fn.logicalId)!;
      running.sources.push(
        startSqsEventSource({
          mapping: {
            label: `${fn.label} <- ${mapping.queue.name}`,
            queueUrl: aws.sqs.queueUrl(mapping.queue.name),
            queueArn: mapping.queue.arn,
            batchSize: mapping.batchSize,
            maximumBatchingWindowSeconds: mapping.maximumBatchingWindowSeconds,
            reportBatchItemFailures: mapping.reportBatchItemFailures,
            ...(mapping.maximumConcurrency !== undefined ? { maximumConcurrency: mapping.maximumConcurrency } : {}),
          },
          client: sqsClient,
          region,
          invoke: (event) => lambda.invoke(event),
          log: (line) => options.print(`[poller] ${line}`),
        }),
      );
    }
    const streams = dynamoDbStreamsApi(dynamo.endpoint);
    for (const mapping of stack.streamEventSourceMappings.filter((candidate) => candidate.enabled)) {
      const fn = stack.functions.find((candidate) => candidate.logicalId === mapping.functionLogicalId)!;
      const lambda = functions.get(fn.logicalId)!;
      const described = await dynamoClient.send(new DescribeTableCommand({ TableName: mapping.table.tableName }));
      const streamArn = described.Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${mapping.table.tableName} has no stream in DynamoDB Local, but ${fn.label}'s event source reads it`);
      const dlq = mapping.onFailureQueue;
      running.sources.push(
        await startStreamEventSource({
          mapping: {
            label: `${fn.label} <- ${mapping.table.tableName} stream`,
            streamArn,
            eventSourceArn: mapping.eventSourceArn,
            startingPosition: mapping.startingPosition,
            batchSize: mapping.batchSize,
            maximumBatchingWindowSeconds: mapping.maximumBatchingWindowSeconds,
            filterPatterns: mapping.filterPatterns,
            reportBatchItemFailures: mapping.reportBatchItemFailures,
            bisectBatchOnFunctionError: mapping.bisectBatchOnFunctionError,
            maximumRetryAttempts: mapping.maximumRetryAttempts,
          },
          streams,
          region,
          functionArn: fn.arn,
          invoke: (event) => lambda.invoke(event),
          ...(dlq
            ? { onFailure: async (failure) => void (await sqsClient.send(new SendMessageCommand({ QueueUrl: aws.sqs.queueUrl(dlq.name), MessageBody: JSON.stringify(failure) }))) }
            : {}),
          log: (line) => options.print(`[poller] ${line}`),
        }),
      );
    }
    const routeFunctions = new Map(stack.routes.map((route) => [route.routeKey, functions.get(route.functionLogicalId)!]));
    const api: HttpApi = await startHttpApi({
      host: HOST,
      port: options.apiPort,
      routes: stack.routes,
      invoke: (event) => {
        const lambda = routeFunctions.get(event.routeKey);
        if (!lambda) return Promise.reject(new Error(`no integration for route ${event.routeKey}`));
        return lambda.invoke(event);
      },
      ...(options.verbose ? { log: (line: string) => options.print(`[api] ${line}`) } : {}),
    }).catch((error: unknown) => {
      throw portError(error, options.apiPort, 'PORT');
    });
    running.api = api;
    checkpoint();

    const queueUrl = (name: string | undefined) => (name ? aws.sqs.queueUrl(name) : undefined);
    const outputs: LocalOutputs = {
      apiUrl: api.url,
      awsEndpoint: aws.url,
      eventBusName: requiredOutput(stack, 'EventBusName'),
      eventSource: requiredOutput(stack, 'EventSource'),
      region,
      accountId: devAccount.accountId,
      apiKey: devAccount.apiKey,
      tableName: tableOutput(stack),
      dispatchQueueUrl: requiredOutput(stack, 'DispatchQueueUrl'),
      retryQueueUrl: requiredOutput(stack, 'RetryQueueUrl'),
      ...(stack.outputs.DispatchDeadLetterQueueName ? { dispatchDeadLetterQueueUrl: queueUrl(stack.outputs.DispatchDeadLetterQueueName) } : {}),
      ...(stack.outputs.RuleDeadLetterQueueUrl ? { ruleDeadLetterQueueUrl: stack.outputs.RuleDeadLetterQueueUrl } : {}),
      ...(stack.outputs.ScheduleGroupName ? { scheduleGroupName: stack.outputs.ScheduleGroupName } : {}),
      stackName: stack.stackName,
      awsAccountId: LOCAL_AWS_ACCOUNT_ID,
      ...signingKeyOutput(stack),
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    const outputsPath = writeLocalOutputs(options.outputDir, outputs);
    return { outputs, outputsPath, stack, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Running {
  dynamo?: Promise<DynamoDbLocal>;
  aws?: AwsEndpoint;
  functions: LocalLambda[];
  /** SQS and stream event sources. */
  sources: Array<{ stop(): Promise<void> }>;
  api?: HttpApi;
  clients: Array<{ destroy(): void }>;
}

/**
 * Stops in an order that loses nothing silently: no new batches, no new requests, then the
 * functions (in-flight invocations fail, so their messages return after the visibility timeout),
 * then the endpoint (which saves --persist state) and DynamoDB Local.
 */
async function stopAll(running: Running, say: (line: string) => void): Promise<void> {
  const step = async (name: string, work: () => Promise<unknown> | undefined) => {
    try {
      await work();
    } catch (error) {
      say(`stopping ${name} failed: ${(error as Error).message}`);
    }
  };
  const sourcesStopped = Promise.all(running.sources.splice(0).map((source) => source.stop()));
  await step('HTTP API', () => running.api?.close());
  running.api = undefined;
  await step('functions', () => Promise.all(running.functions.splice(0).map((lambda) => lambda.close())));
  await step('event source mappings', () => sourcesStopped);
  for (const client of running.clients.splice(0)) client.destroy();
  await step('AWS endpoint', () => running.aws?.close());
  running.aws = undefined;
  const dynamo = running.dynamo;
  running.dynamo = undefined;
  await step('DynamoDB Local', async () => (await dynamo?.catch(() => undefined))?.stop());
}

/**
 * Reserved concurrency caps a function, as on AWS. Without it Lambda scales each SQS event source
 * on its own, so the local pool holds what all of the function's sources may run at once (the
 * dispatcher's retry lane must not take the event lane's environments).
 */
function maxConcurrencyOf(fn: LocalFunction, stack: LocalStack): { maxConcurrency?: number } {
  if (fn.reservedConcurrency !== undefined) return { maxConcurrency: fn.reservedConcurrency };
  const sources = stack.eventSourceMappings.filter((mapping) => mapping.enabled && mapping.functionLogicalId === fn.logicalId);
  if (sources.length === 0) return {};
  return { maxConcurrency: sources.reduce((total, mapping) => total + concurrencyLimit(mapping), 0) };
}

function requiredOutput(stack: LocalStack, name: string): string {
  const value = stack.outputs[name];
  if (value === undefined) throw new Error(`the stack has no output ${name}, which the local run publishes in outputs.json`);
  return value;
}

/** The management function's signing key, resolved to the local KMS key's ARN: the stack has no output for it. */
function signingKeyOutput(stack: LocalStack): { signingKeyArn?: string } {
  const arn = stack.functions.map((fn) => fn.environment[API_ENV.signingKeyArn]).find((value) => value !== undefined);
  return arn === undefined ? {} : { signingKeyArn: arn };
}

function tableOutput(stack: LocalStack): string {
  return requiredOutput(stack, 'TableName');
}

/** Relative to the working directory when inside it, else absolute. */
function shortPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === '' || shown.startsWith('..') ? path : shown;
}

function portError(error: unknown, port: number, variable: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new Error(`port ${port} on ${HOST} is in use: stop what holds it or set ${variable} to another port`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
