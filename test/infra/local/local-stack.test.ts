// The synthesized template read as a local deployment: names, URLs and ARNs agree with the local
// AWS endpoint's engines, functions get their template environment resolved to local resources,
// and what the local run cannot honour fails at start with a clear message.
import { join } from 'node:path';
import { COUNTS_STREAM_FILTERS } from '../../../lib/webhook-delivery';
import { SqsEngine } from '../../../local/aws-endpoint/sqs';
import { describeLocalStack, type LocalEnvironment, type LocalStack } from '../../../local/local-stack';
import type { SynthesizedStack } from '../../../local/template';
import { cdkOut, synthesizedStack as synthesized } from '../synthesized';

const environment: LocalEnvironment = {
  region: 'us-east-1',
  accountId: '000000000000',
  awsEndpointUrl: 'http://127.0.0.1:4566',
  apiUrl: 'http://127.0.0.1:3000',
};

/** A copy of the real stack with one resource's properties changed (the first of the type, or the one whose logical id starts with `prefix`). */
function withChange(stack: SynthesizedStack, type: string, change: (properties: Record<string, unknown>) => void, prefix = ''): SynthesizedStack {
  const template = JSON.parse(JSON.stringify(stack.template)) as SynthesizedStack['template'];
  const entry = Object.entries(template.Resources).find(([logicalId, resource]) => resource.Type === type && logicalId.startsWith(prefix))?.[1];
  if (!entry?.Properties) throw new Error(`no ${type} in the template`);
  change(entry.Properties);
  return { ...stack, template };
}

describe('describeLocalStack on the synthesized template', () => {
  let stack: LocalStack;
  const engine = new SqsEngine({ endpointUrl: environment.awsEndpointUrl, region: environment.region, accountId: environment.accountId });

  beforeAll(() => {
    stack = describeLocalStack(synthesized(), environment);
  });

  afterAll(() => engine.close());

  it('creates the table exactly as the template defines its keys and indexes', () => {
    const { template } = synthesized();
    const [table] = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::DynamoDB::Table');
    expect(stack.tables).toHaveLength(1);
    const [local] = stack.tables;
    expect(local!.createTable.KeySchema).toEqual(table!.Properties!.KeySchema);
    expect(local!.createTable.AttributeDefinitions).toEqual(table!.Properties!.AttributeDefinitions);
    expect(local!.createTable.GlobalSecondaryIndexes).toEqual(table!.Properties!.GlobalSecondaryIndexes);
    expect(local!.createTable.BillingMode).toBe(table!.Properties!.BillingMode);
    expect(local!.ttlAttribute).toBe((table!.Properties!.TimeToLiveSpecification as { AttributeName: string }).AttributeName);
    expect(local!.createTable.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(local!.streamArn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${local!.tableName}/stream/local`);
  });

  it('gives queues the URLs and ARNs the local SQS engine uses, with redrive to the DLQ', () => {
    for (const queue of stack.queues) {
      expect(queue.url).toBe(engine.queueUrl(queue.name));
      expect(queue.arn).toBe(engine.queueArn(queue.name));
    }
    const dispatch = stack.queues.find((queue) => queue.config.redrive);
    expect(dispatch?.config).toMatchObject({ visibilityTimeout: expect.any(Number), redrive: { maxReceiveCount: expect.any(Number) } });
    expect(stack.queues.map((queue) => queue.name)).toContain(dispatch!.config.redrive!.deadLetterTargetName);
  });

  it('routes the bus rule to the queue the dispatcher consumes', () => {
    expect(stack.buses).toHaveLength(1);
    const [bus] = stack.buses;
    expect(bus!.busName).toBe(stack.outputs.EventBusName);
    const [rule] = bus!.rules;
    // The source only: events of unknown types reach the dispatcher, which records them as rejected.
    expect(rule!.eventPattern).toEqual({ source: [stack.outputs.EventSource] });
    const mapping = stack.eventSourceMappings.find((candidate) => candidate.queue.url === stack.outputs.DispatchQueueUrl);
    expect(mapping?.maximumBatchingWindowSeconds).toBe(1);
    expect(rule!.targets.map((target) => target.queueName)).toEqual([mapping!.queue.name]);
  });

  it("gives the rule target the template's MessageGroupId, the dynamic path to each event's account", () => {
    const [target] = stack.buses[0]!.rules[0]!.targets;
    expect(target!.messageGroupId).toBe('$.detail.account_id');
  });

  it("gives the rule target its dead-letter queue and every queue the template's MaximumMessageSize", () => {
    const [target] = stack.buses[0]!.rules[0]!.targets;
    const ruleDlq = stack.queues.find((queue) => queue.url === stack.outputs.RuleDeadLetterQueueUrl);
    expect(target!.deadLetterQueueName).toBe(ruleDlq!.name);
    const sizeOf = (url: string | undefined) => stack.queues.find((queue) => queue.url === url)?.config.maximumMessageSize;
    for (const url of [stack.outputs.DispatchQueueUrl, stack.outputs.RetryQueueUrl, stack.outputs.RuleDeadLetterQueueUrl]) {
      expect(sizeOf(url)).toBe(1_048_576);
    }
    // A queue that sets none gets SQS's default from the engine.
    const counts = stack.queues.find((queue) => queue.name === stack.outputs.CountsDeadLetterQueueName);
    expect(counts?.config.maximumMessageSize).toBeUndefined();
  });

  it('has the dispatcher consume a retry queue too, in batches of 100 with the same window, with its own concurrency bound', () => {
    const dispatcher = stack.functions.find((fn) => fn.label === 'DispatcherFunction')!;
    const mappings = stack.eventSourceMappings.filter((mapping) => mapping.functionLogicalId === dispatcher.logicalId);
    expect(mappings.map((mapping) => mapping.queue.url).sort()).toEqual([stack.outputs.DispatchQueueUrl, stack.outputs.RetryQueueUrl].sort());
    const retry = mappings.find((mapping) => mapping.queue.url === stack.outputs.RetryQueueUrl)!;
    expect(retry).toMatchObject({ batchSize: 100, maximumBatchingWindowSeconds: 1, maximumConcurrency: 10, reportBatchItemFailures: true });
  });

  it('resolves every function variable to the local resources', () => {
    const dispatcher = stack.functions.find((fn) => fn.label === 'DispatcherFunction')!;
    const table = stack.tables[0]!;
    const retryQueue = stack.eventSourceMappings.find((mapping) => mapping.queue.url === stack.outputs.RetryQueueUrl)!.queue;
    expect(dispatcher.environment).toMatchObject({
      TABLE_NAME: table.tableName,
      RETRY_QUEUE_URL: retryQueue.url,
      RETRY_QUEUE_ARN: retryQueue.arn,
      SCHEDULE_GROUP_NAME: stack.scheduleGroups[0],
      EVENT_BUS_NAME: stack.buses[0]!.busName,
      SCHEDULER_ROLE_ARN: expect.stringMatching(/^arn:aws:iam::000000000000:role\/GeoRedirWebhooks-\w+$/),
    });
    for (const fn of stack.functions) {
      for (const [name, value] of Object.entries(fn.environment)) {
        expect({ name, value }).toEqual({ name, value: expect.not.stringMatching(/\[object Object\]|Fn::|"Ref"/) });
      }
    }
  });

  it('reads the function settings Lambda honours: handler, runtime, timeout, memory and the bundle folder', () => {
    const { template } = synthesized();
    for (const fn of stack.functions) {
      const properties = template.Resources[fn.logicalId]!.Properties!;
      expect(fn).toMatchObject({
        handler: properties.Handler,
        runtime: properties.Runtime,
        timeoutSeconds: properties.Timeout,
        memoryMb: properties.MemorySize,
        arn: `arn:aws:lambda:us-east-1:000000000000:function:${fn.functionName}`,
      });
      expect(fn.codeDir).toContain(join(cdkOut, 'asset.'));
    }
  });

  it('reads the event source mapping as Lambda polls it', () => {
    const { template } = synthesized();
    const [mapping] = stack.eventSourceMappings;
    const properties = template.Resources[mapping!.logicalId]!.Properties!;
    expect(mapping).toMatchObject({
      functionLogicalId: stack.functions.find((fn) => fn.label === 'DispatcherFunction')!.logicalId,
      batchSize: properties.BatchSize,
      maximumBatchingWindowSeconds: properties.MaximumBatchingWindowInSeconds ?? 0,
      reportBatchItemFailures: (properties.FunctionResponseTypes as string[]).includes('ReportBatchItemFailures'),
      enabled: true,
    });
  });

  it('reads the stream event source mapping as Lambda polls it: batch, window, filter, retries and its DLQ', () => {
    const { template } = synthesized();
    expect(stack.eventSourceMappings).toHaveLength(2);
    expect(stack.streamEventSourceMappings).toHaveLength(1);
    const [mapping] = stack.streamEventSourceMappings;
    const properties = template.Resources[mapping!.logicalId]!.Properties!;
    const filters = (properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(mapping).toMatchObject({
      functionLogicalId: stack.functions.find((fn) => fn.label === 'CountsFunction')!.logicalId,
      table: stack.tables[0],
      eventSourceArn: stack.tables[0]!.streamArn,
      startingPosition: 'LATEST',
      batchSize: properties.BatchSize,
      maximumBatchingWindowSeconds: properties.MaximumBatchingWindowInSeconds,
      filterPatterns: filters.map((filter) => JSON.parse(filter.Pattern)),
      reportBatchItemFailures: true,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: properties.MaximumRetryAttempts,
      onFailureQueue: stack.queues.find((queue) => queue.logicalId.startsWith('WebhooksCountsDeadLetterQueue')),
      enabled: true,
    });
    // Both of the construct's filters (delivery items, log pages with filtered counts): the local run ORs them as Lambda does.
    expect(mapping!.filterPatterns).toEqual(COUNTS_STREAM_FILTERS);
  });

  it('serves every HTTP API route with the management function', () => {
    const management = stack.functions.find((fn) => fn.label === 'ManagementFunction')!;
    expect(stack.routes.length).toBeGreaterThan(0);
    expect(stack.routes.map((route) => route.routeKey)).toContain('GET /health');
    for (const route of stack.routes) expect(route.functionLogicalId).toBe(management.logicalId);
  });

  it('resolves the outputs the local run publishes', () => {
    expect(stack.outputs).toMatchObject({
      EventBusName: stack.buses[0]!.busName,
      EventSource: expect.any(String),
      TableName: stack.tables[0]!.tableName,
      DispatchQueueUrl: expect.stringMatching(/^http:\/\/.*DispatchQueue/),
      RetryQueueUrl: expect.stringMatching(/^http:\/\/.*RetryQueue/),
    });
  });
});

/** A copy of the real stack with resources added. */
function withResources(stack: SynthesizedStack, resources: SynthesizedStack['template']['Resources']): SynthesizedStack {
  const template = JSON.parse(JSON.stringify(stack.template)) as SynthesizedStack['template'];
  Object.assign(template.Resources, resources);
  return { ...stack, template };
}

describe('describeLocalStack with KMS keys', () => {
  it("gives the stack's keys (the secrets key, the HMAC signing key) stable UUID-shaped ids and their ARNs", () => {
    const first = describeLocalStack(synthesized(), environment);
    expect(describeLocalStack(synthesized(), environment).kmsKeys).toEqual(first.kmsKeys);
    expect(first.kmsKeys.map((key) => key.keySpec).sort()).toEqual(['HMAC_256', 'SYMMETRIC_DEFAULT']);
    for (const key of first.kmsKeys) {
      expect(key.keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(key.arn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${key.keyId}`);
    }
    const management = first.functions.find((candidate) => candidate.logicalId.startsWith('WebhooksManagementFunction'));
    expect(Object.values(management?.environment ?? {})).toEqual(expect.arrayContaining(first.kmsKeys.map((key) => key.arn)));
  });

  it('refuses a key kind the local KMS does not emulate, naming it', () => {
    const changed = withResources(synthesized(), { SigningKey: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'RSA_2048', KeyPolicy: {} } } });
    expect(() => describeLocalStack(changed, environment)).toThrow('KMS key SigningKey has KeySpec RSA_2048');
  });
});

describe('describeLocalStack refuses what it cannot run', () => {
  it('an event pattern operator the emulator does not support, naming the rule', () => {
    const changed = withChange(synthesized(), 'AWS::Events::Rule', (properties) => {
      properties.EventPattern = { source: ['georedir'], detail: { amount: [{ cidr: '10.0.0.0/24' }] } };
    });
    expect(() => describeLocalStack(changed, environment)).toThrow(/cidr.*WebhooksDispatchRule|WebhooksDispatchRule.*cidr/s);
  });

  it('a rule target that is not a queue of the stack', () => {
    const changed = withChange(synthesized(), 'AWS::Events::Rule', (properties) => {
      (properties.Targets as Array<Record<string, unknown>>)[0]!.Arn = 'arn:aws:sns:us-east-1:000000000000:topic';
    });
    expect(() => describeLocalStack(changed, environment)).toThrow(/only SQS queues of this stack are supported locally/);
  });

  it('a rule target dead-letter queue that is not a queue of the stack', () => {
    const changed = withChange(synthesized(), 'AWS::Events::Rule', (properties) => {
      (properties.Targets as Array<Record<string, unknown>>)[0]!.DeadLetterConfig = { Arn: 'arn:aws:sqs:us-east-1:000000000000:elsewhere' };
    });
    expect(() => describeLocalStack(changed, environment)).toThrow(/the dead-letter queue must be an SQS queue of this stack/);
  });

  it('a rule target MessageGroupId path the local EventBridge cannot read', () => {
    const changed = withChange(synthesized(), 'AWS::Events::Rule', (properties) => {
      (properties.Targets as Array<Record<string, unknown>>)[0]!.SqsParameters = { MessageGroupId: '$.detail.*' };
    });
    expect(() => describeLocalStack(changed, environment)).toThrow(/WebhooksDispatchRule.*SqsParameters dynamic path \$\.detail\.\*/);
  });

  it('FIFO queues and event source filters', () => {
    const fifo = withChange(synthesized(), 'AWS::SQS::Queue', (properties) => {
      properties.FifoQueue = true;
    });
    expect(() => describeLocalStack(fifo, environment)).toThrow(/FIFO/);
    const filtered = withChange(synthesized(), 'AWS::Lambda::EventSourceMapping', (properties) => {
      properties.FilterCriteria = { Filters: [{ Pattern: '{}' }] };
    }, 'WebhooksDispatcherFunction');
    expect(() => describeLocalStack(filtered, environment)).toThrow(/FilterCriteria is not supported/);
  });

  const streamChange = (change: (properties: Record<string, unknown>) => void) =>
    withChange(synthesized(), 'AWS::Lambda::EventSourceMapping', change, 'WebhooksCountsEventSource');

  it.each([
    ['an operator the local matcher lacks', { dynamodb: { Keys: { pk: { S: [{ wildcard: 'DELIVERY#*' }] } } } }, /event source mapping WebhooksCountsEventSource\w* filter 1: Pattern\.dynamodb\.Keys\.pk\.S: unknown operator "wildcard"$/],
    ['a key other than dynamodb', { eventName: ['INSERT'] }, /may only match the dynamodb key, not eventName/],
    ['an $or', { $or: [{ dynamodb: { Keys: {} } }] }, /may only match the dynamodb key/],
  ])('a stream filter with %s, naming the mapping', (_what, pattern, message) => {
    const changed = streamChange((properties) => {
      properties.FilterCriteria = { Filters: [{ Pattern: JSON.stringify(pattern) }] };
    });
    expect(() => describeLocalStack(changed, environment)).toThrow(message);
  });

  it('stream settings the local poller cannot honour', () => {
    const cases: Array<[(properties: Record<string, unknown>) => void, RegExp]> = [
      [(properties) => (properties.StartingPosition = 'AT_TIMESTAMP'), /StartingPosition AT_TIMESTAMP is not supported/],
      [(properties) => (properties.ParallelizationFactor = 4), /ParallelizationFactor/],
      [(properties) => (properties.TumblingWindowInSeconds = 60), /TumblingWindowInSeconds/],
      [(properties) => (properties.MaximumRecordAgeInSeconds = 3600), /MaximumRecordAgeInSeconds/],
      [(properties) => (properties.FilterCriteria = { Filters: [{ Pattern: '{not json' }] }), /Pattern is not JSON/],
      [(properties) => (properties.DestinationConfig = { OnFailure: { Destination: 'arn:aws:sns:us-east-1:000000000000:topic' } }), /on-failure destination must be an SQS queue/],
    ];
    for (const [change, message] of cases) expect(() => describeLocalStack(streamChange(change), environment)).toThrow(message);
  });

  it('an intrinsic that cannot resolve locally in a function variable', () => {
    const changed = withChange(synthesized(), 'AWS::Lambda::Function', (properties) => {
      (properties.Environment as { Variables: Record<string, unknown> }).Variables.SHARED = { 'Fn::ImportValue': 'Other-Export' };
    });
    expect(() => describeLocalStack(changed, environment)).toThrow(/Fn::ImportValue is not supported/);
  });
});
