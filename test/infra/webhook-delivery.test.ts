// The standalone stack with every default, synthesized once with real esbuild bundling.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TABLE_KEYS } from '../../lambdas/adapters/table-design';
import { API_ENV } from '../../lambdas/api/config';
import { DEFAULT_REQUEST_LIMITS, REQUEST_LIMITS_ENV } from '../../lambdas/api/request-limit-settings';
import { assetVersion, PORTAL_DIRECTORY, PORTAL_FILE_NAMES } from '../../lambdas/api/portal-assets';
import { ENV } from '../../lambdas/shared/config';
import { COUNTS_STREAM_FILTERS } from '../../lib/webhook-delivery';
import { WebhooksStack } from '../../lib/webhooks-stack';
import {
  actionsOf,
  allPolicyStatements,
  logicalIdOf,
  resourcesOf,
  statementsAllowing,
  statementsOfRole,
  type Statement,
} from './iam-helpers';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

let template: Template;
let assemblyDirectory: string;
let ids: {
  dispatchQueue: string;
  retryQueue: string;
  dispatchDlq: string;
  ruleDlq: string;
  schedulerDlq: string;
  countsDlq: string;
  bus: string;
  rule: string;
  table: string;
  secretsKey: string;
  signingKey: string;
  scheduleGroup: string;
  schedulerRole: string;
  dispatcher: string;
  dispatcherRole: string;
  management: string;
  managementRole: string;
  counts: string;
  countsRole: string;
};

interface FunctionResource {
  Properties: {
    Environment: { Variables: Record<string, unknown> };
    Timeout: number;
    Code: { S3Key: string };
    LoggingConfig: { LogGroup: { Ref: string } };
  };
}

beforeAll(() => {
  const app = new App();
  const stack = new WebhooksStack(app, 'Webhooks', { env: { account: ACCOUNT, region: REGION } });
  template = Template.fromStack(stack);
  assemblyDirectory = app.synth().directory;
  const id = (type: string, prefix: string) => logicalIdOf(template, type, prefix);
  ids = {
    dispatchQueue: id('AWS::SQS::Queue', 'WebhooksDispatchQueue'),
    retryQueue: id('AWS::SQS::Queue', 'WebhooksRetryQueue'),
    dispatchDlq: id('AWS::SQS::Queue', 'WebhooksDispatchDeadLetterQueue'),
    ruleDlq: id('AWS::SQS::Queue', 'WebhooksRuleDeadLetterQueue'),
    schedulerDlq: id('AWS::SQS::Queue', 'WebhooksSchedulerDeadLetterQueue'),
    countsDlq: id('AWS::SQS::Queue', 'WebhooksCountsDeadLetterQueue'),
    bus: id('AWS::Events::EventBus', 'WebhooksEventBus'),
    rule: id('AWS::Events::Rule', 'WebhooksDispatchRule'),
    table: id('AWS::DynamoDB::Table', 'WebhooksTable'),
    secretsKey: id('AWS::KMS::Key', 'WebhooksSecretsKey'),
    signingKey: id('AWS::KMS::Key', 'WebhooksSigningKey'),
    scheduleGroup: id('AWS::Scheduler::ScheduleGroup', 'WebhooksRetryScheduleGroup'),
    schedulerRole: id('AWS::IAM::Role', 'WebhooksSchedulerRole'),
    dispatcher: id('AWS::Lambda::Function', 'WebhooksDispatcherFunction'),
    dispatcherRole: id('AWS::IAM::Role', 'WebhooksDispatcherFunctionServiceRole'),
    management: id('AWS::Lambda::Function', 'WebhooksManagementFunction'),
    managementRole: id('AWS::IAM::Role', 'WebhooksManagementFunctionServiceRole'),
    counts: id('AWS::Lambda::Function', 'WebhooksCountsFunction'),
    countsRole: id('AWS::IAM::Role', 'WebhooksCountsFunctionServiceRole'),
  };
});

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const fn = (logicalId: string) => template.findResources('AWS::Lambda::Function')[logicalId] as FunctionResource;
const scheduleGroupName = () =>
  template.findResources('AWS::Scheduler::ScheduleGroup')[ids.scheduleGroup]?.Properties.Name as string;

describe('event ingress', () => {
  test('creates the bus with the default name', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'georedir-webhooks' });
  });

  test('the rule matches the producer source only, so an unknown detail type reaches the dispatcher to be rejected', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: ids.bus },
      EventPattern: { source: ['georedir'] },
      State: 'ENABLED',
    });
  });

  test('the rule targets the dispatch queue with its own dead-letter queue and retry policy', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: arnOf(ids.dispatchQueue),
          DeadLetterConfig: { Arn: arnOf(ids.ruleDlq) },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
  });

  test('the rule target gives every event its account as the SQS fair-queue tenant, read from the event (a dynamic path)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: arnOf(ids.dispatchQueue), SqsParameters: { MessageGroupId: '$.detail.account_id' } })],
    });
    // A standard queue: MessageGroupId makes it a fair queue, while a FIFO queue would order (and serialize) each account.
    for (const queue of [ids.dispatchQueue, ids.retryQueue]) {
      expect(template.findResources('AWS::SQS::Queue')[queue]?.Properties.FifoQueue).toBeUndefined();
    }
  });

  test('only this rule may send to the dispatch queue as events.amazonaws.com', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.dispatchQueue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: arnOf(ids.dispatchQueue),
            Condition: { ArnEquals: { 'aws:SourceArn': arnOf(ids.rule) } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.ruleDlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': arnOf(ids.rule) } },
          }),
        ]),
      },
    });
  });
});

describe('queues', () => {
  test('there are exactly six: dispatch, retry, their DLQ, the rule target DLQ, the Scheduler target DLQ and the counts DLQ', () => {
    template.resourceCountIs('AWS::SQS::Queue', 6);
  });

  test('every queue uses SQS-managed encryption (no KMS key to grant) and refuses plain HTTP', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    }
    for (const queueId of [ids.dispatchQueue, ids.retryQueue, ids.dispatchDlq, ids.ruleDlq, ids.schedulerDlq, ids.countsDlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  test('the dispatch and retry queues redrive to their DLQ after 5 receives', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    for (const queueId of [ids.dispatchQueue, ids.retryQueue]) {
      expect(queues[queueId]?.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(ids.dispatchDlq), maxReceiveCount: 5 });
    }
  });

  test('dead-letter queues keep messages for 14 days', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(queues[ids.dispatchDlq]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(queues[ids.ruleDlq]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(queues[ids.schedulerDlq]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(queues[ids.countsDlq]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  test("every queue an event body goes to takes SQS's largest message (1 MiB), more than any envelope of an accepted PutEvents entry", () => {
    const queues = template.findResources('AWS::SQS::Queue');
    for (const queueId of [ids.dispatchQueue, ids.retryQueue, ids.dispatchDlq, ids.ruleDlq]) {
      expect(queues[queueId]?.Properties.MaximumMessageSize).toBe(1_048_576);
    }
  });

  test('the visibility timeout of both queues is at least six times the dispatcher timeout', () => {
    const timeout = fn(ids.dispatcher).Properties.Timeout;
    expect(timeout).toBe(60);
    for (const queueId of [ids.dispatchQueue, ids.retryQueue]) {
      expect(template.findResources('AWS::SQS::Queue')[queueId]?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    }
  });
});

describe('functions', () => {
  test('all three run Node.js 22 on arm64 with source maps, 256 MB and a one-month log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    for (const functionId of [ids.dispatcher, ids.management, ids.counts]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Handler: 'index.handler',
        Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
      const logGroupId = fn(functionId).Properties.LoggingConfig.LogGroup.Ref;
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(30);
    }
  });

  test('esbuild bundled each handler, minified and with a source map', () => {
    for (const functionId of [ids.dispatcher, ids.management, ids.counts]) {
      const assetHash = fn(functionId).Properties.Code.S3Key.replace(/\.zip$/, '');
      const bundle = path.join(assemblyDirectory, `asset.${assetHash}`);
      expect(fs.existsSync(path.join(bundle, 'index.js.map'))).toBe(true);
      const code = fs.readFileSync(path.join(bundle, 'index.js'), 'utf8');
      expect(code).toMatch(/sourceMappingURL=index\.js\.map/);
      // Minified output has long lines (unminified esbuild output averages well under 100 characters).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // The SDK's browser user-agent parser stays out (its browser builds alone load it).
      expect(code).not.toMatch(/Bowser - a browser detector/);
    }
  });

  test('the dispatcher gets exactly its environment', () => {
    const variables = fn(ids.dispatcher).Properties.Environment.Variables;
    expect(Object.keys(variables).sort()).toEqual(
      [
        ENV.tableName,
        ENV.retryQueueUrl,
        ENV.retryQueueArn,
        ENV.schedulerRoleArn,
        ENV.schedulerDeadLetterQueueArn,
        ENV.scheduleGroupName,
        ENV.eventBusName,
        ENV.eventSource,
        ENV.retryScheduleSeconds,
        ENV.allowPrivateEndpoints,
        ENV.deliveryTimeoutMs,
        ENV.attemptRetentionDays,
        ENV.secretsKeyArn,
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
        'NODE_OPTIONS',
      ].sort(),
    );
    expect(variables).toMatchObject({
      [ENV.tableName]: { Ref: ids.table },
      [ENV.retryQueueUrl]: { Ref: ids.retryQueue },
      [ENV.retryQueueArn]: arnOf(ids.retryQueue),
      [ENV.schedulerRoleArn]: arnOf(ids.schedulerRole),
      [ENV.schedulerDeadLetterQueueArn]: arnOf(ids.schedulerDlq),
      [ENV.scheduleGroupName]: scheduleGroupName(),
      [ENV.eventBusName]: { Ref: ids.bus },
      [ENV.eventSource]: 'georedir',
      [ENV.retryScheduleSeconds]: '60,300,1800,7200,28800',
      [ENV.allowPrivateEndpoints]: 'false',
      [ENV.deliveryTimeoutMs]: '30000',
      [ENV.attemptRetentionDays]: '30',
      POWERTOOLS_SERVICE_NAME: 'webhook-dispatcher',
      POWERTOOLS_METRICS_NAMESPACE: 'GeoRedirWebhooks',
    });
  });

  test('the management function gets the shared environment without the bus', () => {
    const variables = fn(ids.management).Properties.Environment.Variables;
    expect(variables[ENV.eventBusName]).toBeUndefined();
    // It never creates schedules, so it has no use for their dead-letter queue.
    expect(variables[ENV.schedulerDeadLetterQueueArn]).toBeUndefined();
    expect(variables).toMatchObject({
      [ENV.tableName]: { Ref: ids.table },
      [ENV.retryQueueUrl]: { Ref: ids.retryQueue },
      [ENV.retryQueueArn]: arnOf(ids.retryQueue),
      [ENV.schedulerRoleArn]: arnOf(ids.schedulerRole),
      [ENV.scheduleGroupName]: scheduleGroupName(),
      [ENV.eventSource]: 'georedir',
      [ENV.retryScheduleSeconds]: '60,300,1800,7200,28800',
      [ENV.allowPrivateEndpoints]: 'false',
      [ENV.deliveryTimeoutMs]: '30000',
      [ENV.attemptRetentionDays]: '30',
      POWERTOOLS_SERVICE_NAME: 'webhook-api',
      POWERTOOLS_METRICS_NAMESPACE: 'GeoRedirWebhooks',
      // Nobody may frame the portal unless the deployment names who may.
      [API_ENV.portalFrameAncestors]: "'none'",
    });
    expect(fn(ids.management).Properties.Timeout).toBeLessThanOrEqual(30);
  });

  test("the management function's asset carries the portal's built files beside its bundle, not inside it", () => {
    const asset = path.join(assemblyDirectory, `asset.${fn(ids.management).Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(fs.readdirSync(path.join(asset, PORTAL_DIRECTORY)).sort()).toEqual([...PORTAL_FILE_NAMES].sort());
    const page = fs.readFileSync(path.join(asset, PORTAL_DIRECTORY, 'index.html'), 'utf8');
    const script = fs.readFileSync(path.join(asset, PORTAL_DIRECTORY, 'app.js'));
    expect(page).toContain(`portal/app.js?v=${assetVersion(script)}`);
    // uPlot and Preact are in app.js only: the handler's bundle does not carry them.
    expect(script.toString('utf8')).toContain('uplot');
    expect(fs.readFileSync(path.join(asset, 'index.js'), 'utf8')).not.toMatch(/uplot|u-legend/);
    const dispatcherAsset = path.join(assemblyDirectory, `asset.${fn(ids.dispatcher).Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(fs.existsSync(path.join(dispatcherAsset, PORTAL_DIRECTORY))).toBe(false);
  });

  test('the counts aggregator gets only the table and the retention of its items', () => {
    const variables = fn(ids.counts).Properties.Environment.Variables;
    expect(Object.keys(variables).sort()).toEqual(
      [ENV.tableName, ENV.attemptRetentionDays, 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS'].sort(),
    );
    expect(variables).toMatchObject({
      [ENV.tableName]: { Ref: ids.table },
      [ENV.attemptRetentionDays]: '30',
      POWERTOOLS_SERVICE_NAME: 'webhook-counts',
    });
  });

  test('the dispatcher consumes the dispatch queue with partial batch responses', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ids.dispatcher },
      EventSourceArn: arnOf(ids.dispatchQueue),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: Match.absent(),
    });
  });

  test('the dispatcher consumes the retry queue in batches of 100 with the same window, at most 10 invocations at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ids.dispatcher },
      EventSourceArn: arnOf(ids.retryQueue),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  test('the counts aggregator reads the table\'s stream from now on, 1,000 records or 10 s at a time, with partial batch responses, bisecting and bounded retries, then its DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ids.counts },
      EventSourceArn: { 'Fn::GetAtt': [ids.table, 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      DestinationConfig: { OnFailure: { Destination: arnOf(ids.countsDlq) } },
    });
  });

  test('the counts event source passes only delivery items\' inserts and changes (not test sends or removals) and log pages with filtered counts', () => {
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (resource) => JSON.stringify(resource.Properties.FunctionName) === JSON.stringify({ Ref: ids.counts }),
    );
    const filters = mapping?.Properties.FilterCriteria.Filters as { Pattern: string }[];
    expect(filters).toHaveLength(2);
    expect(JSON.parse(filters[0]!.Pattern)).toEqual({
      dynamodb: {
        Keys: { pk: { S: [{ prefix: 'DELIVERY#' }] } },
        NewImage: { status: { S: [{ exists: true }] }, test: { BOOL: [{ exists: false }] } },
      },
    });
    // Lambda passes a record either filter matches: a log page's insert carrying its batch's filtered counts (a string: `exists` tests leaves only).
    expect(JSON.parse(filters[1]!.Pattern)).toEqual({
      dynamodb: {
        Keys: { pk: { S: [{ prefix: 'LOG#' }] } },
        NewImage: { filtered: { S: [{ exists: true }] } },
      },
    });
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual(COUNTS_STREAM_FILTERS);
  });

  test('only the management API has reserved concurrency (10), so it can never take the dispatcher\'s', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function', {
      Properties: { ReservedConcurrentExecutions: Match.anyValue() },
    }))).toEqual([ids.management]);
    expect(template.findResources('AWS::Lambda::Function')[ids.management]?.Properties.ReservedConcurrentExecutions).toBe(10);
  });

  test('the management API gets its default limits per credential and per account', () => {
    expect(fn(ids.management).Properties.Environment.Variables).toMatchObject(
      Object.fromEntries(Object.entries(DEFAULT_REQUEST_LIMITS).map(([name, value]) => [REQUEST_LIMITS_ENV[name as keyof typeof REQUEST_LIMITS_ENV], String(value)])),
    );
    // Its audit lines are INFO: the level is pinned so none is dropped.
    expect(fn(ids.management).Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    // The documented defaults (docs/security.md, "Limits").
    expect([DEFAULT_REQUEST_LIMITS.credentialRequestsPerSecond, DEFAULT_REQUEST_LIMITS.accountRequestsPerSecond]).toEqual([20, 50]);
  });
});

describe('table', () => {
  test('on-demand, pk/sk strings, gsi1 with all attributes, TTL, PITR, AWS-managed encryption, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayEquals([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        // Old and new images: the counts aggregator counts status changes from them.
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });
});

describe('retry scheduling', () => {
  test('one schedule group', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    expect(scheduleGroupName()).toMatch(/^[\w.-]{1,64}$/);
  });

  test('the scheduler role trusts only this account\'s schedules in the group', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': arnOf(ids.scheduleGroup) },
            },
          },
        ],
      },
    });
  });

  test('the scheduler role may only send to the retry queue and its own dead-letter queue', () => {
    const role = template.findResources('AWS::IAM::Role')[ids.schedulerRole];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties.Policies).toBeUndefined();
    expect(statementsOfRole(template, ids.schedulerRole)).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: [arnOf(ids.retryQueue), arnOf(ids.schedulerDlq)] },
    ]);
  });
});

const STREAM_ACTIONS = new Set(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);

describe('least privilege', () => {
  const scheduleArnPattern = () => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:scheduler:${REGION}:${ACCOUNT}:schedule/${scheduleGroupName()}/*`]],
  });
  const table = () => arnOf(ids.table);
  const gsi1 = () => ({ 'Fn::Join': ['', [arnOf(ids.table), '/index/gsi1']] });
  const allowedOn = (statements: Statement[], action: string) =>
    statementsAllowing(statements, action).flatMap(resourcesOf);
  const dynamoDbStatements = (roleId: string) =>
    statementsOfRole(template, roleId).filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));
  /** One statement as the grants make it: these actions, on the table or gsi1, only for items of these partition key prefixes. */
  const onItems = (actions: string | string[], resource: unknown, prefixes: string[], extra: Record<string, unknown> = {}) => ({
    Effect: 'Allow',
    Action: actions,
    Resource: resource,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes }, ...extra },
  });

  test('the dispatcher holds exactly the actions it needs', () => {
    const statements = statementsOfRole(template, ids.dispatcherRole);
    const actions = new Set(statements.flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      [
        // BatchGetItem: one read of every delivery and endpoint a batch is about.
        'dynamodb:BatchGetItem',
        // DeleteItem: a pilot given back (PILOT# items only).
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        // PartiQLInsert: a batch's new deliveries, each only if it does not exist, in one request.
        'dynamodb:PartiQLInsert',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'iam:PassRole',
        // Decrypt: opens the data keys endpoint secrets are sealed under (once per data key and instance).
        'kms:Decrypt',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'scheduler:CreateSchedule',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ].sort(),
    );
  });

  test('the dispatcher touches exactly its items, action by action, and no credential, key or idempotency record', () => {
    expect(dynamoDbStatements(ids.dispatcherRole)).toEqual([
      onItems('dynamodb:GetItem', table(), ['ACCOUNT#*']),
      // An account's endpoint list: the condition is on the index's partition key.
      onItems('dynamodb:Query', gsi1(), ['ACCOUNTENDPOINTS#*']),
      onItems('dynamodb:BatchGetItem', table(), ['DELIVERY#*', 'ENDPOINT#*']),
      onItems('dynamodb:PartiQLInsert', table(), ['DELIVERY#*']),
      onItems('dynamodb:PutItem', table(), ['DELIVERY#*', 'LOG#*', 'REJECTED#*']),
      onItems('dynamodb:UpdateItem', table(), ['DELIVERY#*', 'ENDPOINT#*', 'SENDSLOTS#*', 'PILOT#*']),
      onItems('dynamodb:DeleteItem', table(), ['PILOT#*']),
    ]);
    const granted = JSON.stringify(dynamoDbStatements(ids.dispatcherRole));
    for (const prefix of ['APIKEY', 'ADMINKEY', 'IDEMPOTENCY', 'RATE', 'CONFIG', 'COUNTS']) expect(granted).not.toContain(`"${prefix}`);
  });

  test('the management API touches exactly its items; of a key only its last-use stamp, of a prefix item nothing but a read', () => {
    expect(dynamoDbStatements(ids.managementRole)).toEqual([
      onItems('dynamodb:GetItem', table(), ['APIKEY#*', 'ADMINKEY#*', 'ADMINKEYPREFIX#*', 'ACCOUNT#*', 'ENDPOINT#*', 'DELIVERY#*', 'IDEMPOTENCY#*']),
      onItems('dynamodb:BatchGetItem', table(), ['ENDPOINT#*', 'DELIVERY#*']),
      onItems('dynamodb:Query', table(), ['LOG#*', 'COUNTS#*']),
      onItems('dynamodb:Query', gsi1(), ['ACCOUNTENDPOINTS#*']),
      onItems('dynamodb:PutItem', table(), ['ENDPOINT#*', 'DELIVERY#*', 'LOG#*', 'IDEMPOTENCY#*']),
      onItems('dynamodb:UpdateItem', table(), ['ACCOUNT#*', 'ENDPOINT#*', 'DELIVERY#*', 'IDEMPOTENCY#*', 'RATE#*']),
      onItems('dynamodb:UpdateItem', table(), ['APIKEY#*', 'ADMINKEY#*'], {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt'] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
      }),
      onItems('dynamodb:DeleteItem', table(), ['ENDPOINT#*', 'IDEMPOTENCY#*']),
    ]);
    // Listing accounts or keys, and creating keys, are the admin CLI's.
    const granted = JSON.stringify(dynamoDbStatements(ids.managementRole));
    for (const prefix of ['ACCOUNTS', 'ACCOUNTKEYS#', 'ADMINKEYS', 'APIKEYPREFIX#', 'PILOT#', 'SENDSLOTS#', 'REJECTED#']) expect(granted).not.toContain(`"${prefix}`);
  });

  test('the dispatcher consumes the dispatch and retry queues, and sends only to the retry queue', () => {
    const statements = statementsOfRole(template, ids.dispatcherRole);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      expect(new Set(allowedOn(statements, action))).toEqual(new Set([arnOf(ids.dispatchQueue), arnOf(ids.retryQueue)]));
    }
    expect(allowedOn(statements, 'sqs:SendMessage')).toEqual([arnOf(ids.retryQueue)]);
  });

  test('the dispatcher creates schedules only in its group and passes only the scheduler role, only to Scheduler', () => {
    const statements = statementsOfRole(template, ids.dispatcherRole);
    expect(allowedOn(statements, 'scheduler:CreateSchedule')).toEqual([scheduleArnPattern()]);
    const passRole = statementsAllowing(statements, 'iam:PassRole');
    expect(passRole).toHaveLength(1);
    expect(passRole[0]).toMatchObject({
      Resource: arnOf(ids.schedulerRole),
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  });

  test('the dispatcher puts events on its bus only, and only with the service\'s own source', () => {
    const statements = statementsOfRole(template, ids.dispatcherRole);
    expect(statementsAllowing(statements, 'events:PutEvents')).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: arnOf(ids.bus), Condition: { StringEquals: { 'events:source': 'georedir.webhooks' } } },
    ]);
    // No scans or batch writes: no role needs them.
    for (const roleId of [ids.dispatcherRole, ids.managementRole, ids.countsRole]) {
      for (const action of ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLSelect', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete']) {
        expect(statementsAllowing(statementsOfRole(template, roleId), action)).toHaveLength(0);
      }
    }
  });

  test('every table statement of every role carries a LeadingKeys condition', () => {
    for (const roleId of [ids.dispatcherRole, ids.managementRole, ids.countsRole]) {
      for (const statement of dynamoDbStatements(roleId).filter((candidate) => !actionsOf(candidate).some((action) => STREAM_ACTIONS.has(action)))) {
        expect(statement.Condition?.['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': expect.any(Array) });
      }
    }
  });

  test('the management function can use the table, send redeliveries to the retry queue and delete schedules in the group', () => {
    const statements = statementsOfRole(template, ids.managementRole);
    const actions = new Set(statements.flatMap(actionsOf));
    expect([...actions].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'kms:GenerateMac',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'scheduler:DeleteSchedule',
      'sqs:SendMessage',
    ]);
    expect(allowedOn(statements, 'sqs:SendMessage')).toEqual([arnOf(ids.retryQueue)]);
    expect(allowedOn(statements, 'scheduler:DeleteSchedule')).toEqual([scheduleArnPattern()]);
  });

  test('KMS: both functions open sealed secrets only under their encryption context, only the management API seals and signs', () => {
    const context = { StringEquals: { 'kms:EncryptionContext:service': 'georedir-webhooks', 'kms:EncryptionContext:purpose': 'endpoint-secrets' } };
    const dispatcher = statementsOfRole(template, ids.dispatcherRole);
    const management = statementsOfRole(template, ids.managementRole);
    const kmsStatements = (statements: typeof dispatcher) => statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('kms:')));
    expect(kmsStatements(dispatcher)).toEqual([expect.objectContaining({ Action: 'kms:Decrypt', Resource: arnOf(ids.secretsKey), Condition: context })]);
    expect(kmsStatements(management)).toEqual([
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: arnOf(ids.secretsKey), Condition: context }),
      expect.objectContaining({ Action: 'kms:GenerateMac', Resource: arnOf(ids.signingKey), Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } } }),
    ]);
    expect(statementsOfRole(template, ids.countsRole).flatMap(actionsOf).filter((action) => action.startsWith('kms:'))).toEqual([]);
  });

  test('KMS keys: a rotating symmetric key for secrets and an HMAC key for signatures, retained with the table', () => {
    const keys = template.findResources('AWS::KMS::Key');
    expect(keys[ids.secretsKey]).toMatchObject({ Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    expect(keys[ids.secretsKey]?.Properties.KeySpec).toBeUndefined();
    expect(keys[ids.signingKey]).toMatchObject({ Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, DeletionPolicy: 'Retain' });
    expect(fn(ids.dispatcher).Properties.Environment.Variables[ENV.secretsKeyArn]).toEqual(arnOf(ids.secretsKey));
    expect(fn(ids.management).Properties.Environment.Variables).toMatchObject({ [ENV.secretsKeyArn]: arnOf(ids.secretsKey), [API_ENV.signingKeyArn]: arnOf(ids.signingKey) });
    expect(fn(ids.dispatcher).Properties.Environment.Variables).not.toHaveProperty(API_ENV.signingKeyArn);
  });

  test('the counts aggregator reads only the table\'s stream, updates only counts items and sends only to its DLQ', () => {
    const statements = statementsOfRole(template, ids.countsRole);
    expect([...new Set(statements.flatMap(actionsOf))].sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    const streamArn = { 'Fn::GetAtt': [ids.table, 'StreamArn'] };
    for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']) {
      expect(allowedOn(statements, action)).toEqual([streamArn]);
    }
    const updates = statementsAllowing(statements, 'dynamodb:UpdateItem');
    expect(updates).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: arnOf(ids.table),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COUNTS#*'] } },
      },
    ]);
    expect(allowedOn(statements, 'sqs:SendMessage')).toEqual([arnOf(ids.countsDlq)]);
  });

  test('no sqs, dynamodb, scheduler, events, iam or logs action is allowed on a wildcard resource', () => {
    const statements = allPolicyStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const guarded = actionsOf(statement).some((action) => /^(sqs|dynamodb|scheduler|events|iam|logs):/.test(action));
      if (guarded) expect(resourcesOf(statement)).not.toContain('*');
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*$/);
    }
  });

  test('only the three function roles and the scheduler role exist', () => {
    template.resourceCountIs('AWS::IAM::Role', 4);
  });

  test('no role carries a managed policy; each function writes only to its own log group', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const [functionId, roleId] of [[ids.dispatcher, ids.dispatcherRole], [ids.management, ids.managementRole], [ids.counts, ids.countsRole]] as const) {
      const logGroupId = fn(functionId).Properties.LoggingConfig.LogGroup.Ref;
      const statements = statementsOfRole(template, roleId);
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        expect(allowedOn(statements, action)).toEqual([arnOf(logGroupId)]);
      }
      expect(statementsAllowing(statements, 'logs:CreateLogGroup')).toHaveLength(0);
    }
  });
});

describe('management HTTP API', () => {
  test('an HTTP API with a throttled, auto-deployed default stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  test('routes go to the management function through payload format 2.0 integrations', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      ['ANY /v1/{proxy+}', 'GET /health', 'GET /v1/event-types', 'GET /portal', 'GET /portal/{file}'].sort(),
    );
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.keys(integrations).length).toBeGreaterThanOrEqual(1);
    for (const integration of Object.values(integrations)) {
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: arnOf(ids.management),
      });
    }
    for (const route of routes) {
      const target = JSON.stringify(route.Properties.Target);
      expect(Object.keys(integrations).some((integrationId) => target.includes(integrationId))).toBe(true);
    }
  });

  test('the stage writes JSON access logs without headers or bodies to its own one-month log group', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const settings = stage?.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const logGroupId = logicalIdOf(template, 'AWS::Logs::LogGroup', 'WebhooksApiAccessLogs');
    expect(settings.DestinationArn).toEqual(arnOf(logGroupId));
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(30);
    const fields = JSON.parse(settings.Format) as Record<string, string>;
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      sourceIp: '$context.identity.sourceIp',
      integrationError: '$context.integrationErrorMessage',
    });
    // Only $context variables, none of which carries a header (Authorization), a body or a query string.
    for (const value of Object.values(fields)) expect(value).toMatch(/^\$context\.[\w.]+$/);
    expect(settings.Format).not.toMatch(/header|authorization|authorizer|body|querystring|request\.|\$input/i);
  });

  test('API Gateway may invoke the management function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(ids.management),
      Principal: 'apigateway.amazonaws.com',
    });
  });
});

describe('alarms', () => {
  const alarmOn = (metricName: string, namespace: string, dimensions: unknown[]) => ({
    MetricName: metricName,
    Namespace: namespace,
    Dimensions: dimensions,
    Threshold: 1,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  });

  test('eight alarms, without actions when no topic is given', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });

  test('any message in any dead-letter queue alarms', () => {
    for (const queueId of [ids.dispatchDlq, ids.ruleDlq, ids.schedulerDlq, ids.countsDlq]) {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn('ApproximateNumberOfMessagesVisible', 'AWS/SQS', [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } },
        ]),
      );
    }
  });

  test("the rule target's dead-letter queue alarms at its first event and names the command that lists them", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...alarmOn('ApproximateNumberOfMessagesVisible', 'AWS/SQS', [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.ruleDlq, 'QueueName'] } }]),
      AlarmDescription: Match.stringLikeRegexp('npm run admin -- rejected'),
    });
  });

    test('any error of any function alarms', () => {
    for (const functionId of [ids.dispatcher, ids.management, ids.counts]) {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarmOn('Errors', 'AWS/Lambda', [{ Name: 'FunctionName', Value: { Ref: functionId } }]),
      );
    }
  });

  test("any rejected producer event alarms, on the dispatcher's EventsRejected metric", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...alarmOn('EventsRejected', 'GeoRedirWebhooks', [{ Name: 'service', Value: 'webhook-dispatcher' }]),
      Statistic: 'Sum',
      Period: 60,
    });
    // The metric's dimension is the dispatcher's Powertools service name.
    expect(fn(ids.dispatcher).Properties.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'webhook-dispatcher',
      POWERTOOLS_METRICS_NAMESPACE: 'GeoRedirWebhooks',
    });
  });
});

describe('outputs', () => {
  test('the stack exports what producers, the CLI and the local run read', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'ApiUrl',
        'CountsDeadLetterQueueName',
        'DispatchDeadLetterQueueName',
        'DispatchQueueName',
        'DispatchQueueUrl',
        'EventBusName',
        'EventSource',
        'RetryQueueName',
        'RetryQueueUrl',
        'RuleDeadLetterQueueName',
        'RuleDeadLetterQueueUrl',
        'ScheduleGroupName',
        'SchedulerDeadLetterQueueName',
        'TableName',
      ].sort(),
    );
    template.hasOutput('EventBusName', { Value: { Ref: ids.bus } });
    template.hasOutput('EventSource', { Value: 'georedir' });
    template.hasOutput('TableName', { Value: { Ref: ids.table } });
    template.hasOutput('DispatchQueueUrl', { Value: { Ref: ids.dispatchQueue } });
    template.hasOutput('DispatchQueueName', { Value: { 'Fn::GetAtt': [ids.dispatchQueue, 'QueueName'] } });
    template.hasOutput('RetryQueueUrl', { Value: { Ref: ids.retryQueue } });
    template.hasOutput('RetryQueueName', { Value: { 'Fn::GetAtt': [ids.retryQueue, 'QueueName'] } });
    template.hasOutput('DispatchDeadLetterQueueName', { Value: { 'Fn::GetAtt': [ids.dispatchDlq, 'QueueName'] } });
    template.hasOutput('RuleDeadLetterQueueUrl', { Value: { Ref: ids.ruleDlq } });
    template.hasOutput('RuleDeadLetterQueueName', { Value: { 'Fn::GetAtt': [ids.ruleDlq, 'QueueName'] } });
    template.hasOutput('ScheduleGroupName', { Value: scheduleGroupName() });
    template.hasOutput('SchedulerDeadLetterQueueName', { Value: { 'Fn::GetAtt': [ids.schedulerDlq, 'QueueName'] } });
    template.hasOutput('CountsDeadLetterQueueName', { Value: { 'Fn::GetAtt': [ids.countsDlq, 'QueueName'] } });
    const apiUrl = JSON.stringify(template.findOutputs('ApiUrl')['ApiUrl']?.Value);
    expect(apiUrl).toContain('https://');
    expect(apiUrl).toContain('.execute-api.');
  });
});

