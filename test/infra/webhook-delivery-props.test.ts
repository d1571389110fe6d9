// Every prop overriding its default, and bad configuration failing the synth. Bundling is skipped
// here (webhook-delivery.test.ts bundles for real) to keep the suite fast.
import { App, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { API_ENV } from '../../lambdas/api/config';
import { REQUEST_LIMITS_ENV } from '../../lambdas/api/request-limit-settings';
import { ENV } from '../../lambdas/shared/config';
import { parseRetryScheduleSeconds, WebhookDelivery, type WebhookDeliveryProps } from '../../lib/webhook-delivery';
import { logicalIdOf, statementsAllowing, statementsOfRole, resourcesOf } from './iam-helpers';

/** The CLI's own switch for "bundle no stack" (as with `cdk synth --exclusively`). */
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function build(props: WebhookDeliveryProps): { stack: Stack; webhooks: WebhookDelivery } {
  const app = new App({ context: SKIP_BUNDLING });
  const stack = new Stack(app, 'Embedding', { env: { account: '210987654321', region: 'us-west-2' } });
  const webhooks = new WebhookDelivery(stack, 'Hooks', props);
  return { stack, webhooks };
}

describe('props override the defaults', () => {
  let template: Template;
  let webhooks: WebhookDelivery;
  let topic: Topic;

  beforeAll(() => {
    const app = new App({ context: SKIP_BUNDLING });
    const stack = new Stack(app, 'Embedding', { env: { account: '210987654321', region: 'us-west-2' } });
    topic = new Topic(stack, 'OpsTopic');
    webhooks = new WebhookDelivery(stack, 'Hooks', {
      eventBusName: 'acme-bus',
      eventSource: 'acme.links',
      retryScheduleSeconds: ' 5, 10 ,20',
      allowPrivateEndpoints: true,
      deliveryTimeoutMs: 10_500,
      attemptRetentionDays: 7,
      maxReceiveCount: 3,
      batchSize: 25,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: 4,
      retryMaxConcurrency: 3,
      retryBatchSize: 40,
      retryMaxBatchingWindow: Duration.seconds(2),
      dispatcherReservedConcurrency: 20,
      dispatcherMemorySize: 512,
      managementMemorySize: 1024,
      managementReservedConcurrency: 4,
      credentialRequestsPerSecond: 5,
      credentialRequestBurst: 8,
      accountRequestsPerSecond: 12,
      accountRequestBurst: 24,
      accountTestSendsPerMinute: 3,
      accountRecoversPerMinute: 2,
      countsBatchSize: 200,
      countsMaxBatchingWindow: Duration.seconds(30),
      countsRetryAttempts: 2,
      countsMemorySize: 128,
      throttlingRateLimit: 10,
      throttlingBurstLimit: 20,
      scheduleGroupName: 'acme-retries',
      removalPolicy: RemovalPolicy.DESTROY,
      alarmTopic: topic,
      portalFrameAncestors: ['https://dashboard.georedir.com', "'self'"],
    });
    template = Template.fromStack(stack);
  });

  const dispatcherId = () => logicalIdOf(template, 'AWS::Lambda::Function', 'HooksDispatcherFunction');
  const managementId = () => logicalIdOf(template, 'AWS::Lambda::Function', 'HooksManagementFunction');
  const variablesOf = (functionId: string) =>
    template.findResources('AWS::Lambda::Function')[functionId]?.Properties.Environment.Variables;

  test('bus name and event source', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'acme-bus' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['acme.links'] }),
    });
    expect(webhooks.eventSource).toBe('acme.links');
  });

  test('configuration reaches both functions, normalized', () => {
    for (const functionId of [dispatcherId(), managementId()]) {
      expect(variablesOf(functionId)).toMatchObject({
        [ENV.eventSource]: 'acme.links',
        [ENV.retryScheduleSeconds]: '5,10,20',
        [ENV.allowPrivateEndpoints]: 'true',
        [ENV.deliveryTimeoutMs]: '10500',
        [ENV.attemptRetentionDays]: '7',
        [ENV.scheduleGroupName]: 'acme-retries',
      });
    }
  });

  test('the dispatcher timeout follows the delivery timeout, and the visibility timeout follows that', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 41,
      ReservedConcurrentExecutions: 20,
    });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 246 });
  });

  test("the portal's frame-ancestors reach the management function, checked and space separated", () => {
    expect(variablesOf(managementId())?.[API_ENV.portalFrameAncestors]).toBe("https://dashboard.georedir.com 'self'");
    expect(variablesOf(dispatcherId())?.[API_ENV.portalFrameAncestors]).toBeUndefined();
    expect(webhooks.portalUrl).toBe(`${webhooks.apiUrl}portal`);
  });

  test('management memory', () => {
    expect(template.findResources('AWS::Lambda::Function')[managementId()]?.Properties.MemorySize).toBe(1024);
  });

  test("the management API's reserved concurrency and its limits per credential and per account", () => {
    expect(template.findResources('AWS::Lambda::Function')[managementId()]?.Properties.ReservedConcurrentExecutions).toBe(4);
    expect(variablesOf(managementId())).toMatchObject({
      [REQUEST_LIMITS_ENV.credentialRequestsPerSecond]: '5',
      [REQUEST_LIMITS_ENV.credentialRequestBurst]: '8',
      [REQUEST_LIMITS_ENV.accountRequestsPerSecond]: '12',
      [REQUEST_LIMITS_ENV.accountRequestBurst]: '24',
      [REQUEST_LIMITS_ENV.accountTestSendsPerMinute]: '3',
      [REQUEST_LIMITS_ENV.accountRecoversPerMinute]: '2',
    });
    // The dispatcher answers no API request.
    expect(variablesOf(dispatcherId())).not.toHaveProperty(REQUEST_LIMITS_ENV.credentialRequestsPerSecond);
  });

  test('the counts aggregator: memory, retention, and its stream event source\'s batch, window and retries', () => {
    const countsId = logicalIdOf(template, 'AWS::Lambda::Function', 'HooksCountsFunction');
    expect(template.findResources('AWS::Lambda::Function')[countsId]?.Properties.MemorySize).toBe(128);
    expect(variablesOf(countsId)).toMatchObject({ [ENV.attemptRetentionDays]: '7' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: countsId },
      BatchSize: 200,
      MaximumBatchingWindowInSeconds: 30,
      MaximumRetryAttempts: 2,
    });
  });

  test('redrive and event source settings', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // The retry lane: its own batch size, window and bound.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 40,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  test('API throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  test('the named schedule group scopes the schedule permissions', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'acme-retries' });
    expect(webhooks.scheduleGroupName).toBe('acme-retries');
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'HooksDispatcherFunctionServiceRole');
    const resources = statementsAllowing(statementsOfRole(template, roleId), 'scheduler:CreateSchedule').flatMap(
      resourcesOf,
    );
    expect(JSON.stringify(resources)).toContain(':scheduler:us-west-2:210987654321:schedule/acme-retries/*');
  });

  test('the table can be destroyed with the stack when asked', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('every alarm notifies the topic, on alarm and on recovery', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(webhooks.alarms.all.length);
    const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'OpsTopic');
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
    expect(webhooks.alarms.all).toHaveLength(8);
  });
});

describe('bad configuration fails the synth', () => {
  test.each(['', ' ', '60,abc', '0,60', '-5', '1.5', '60,,300', '60;300', '1e3', '60,', Array(21).fill('1').join(',')])(
    'retry schedule %p is rejected',
    (retryScheduleSeconds) => {
      expect(() => build({ retryScheduleSeconds })).toThrow(/^retryScheduleSeconds/);
    },
  );

  test('a retry schedule longer than the retention is rejected', () => {
    expect(() => build({ retryScheduleSeconds: '86400,86400', attemptRetentionDays: 2 })).toThrow(
      /longer than attemptRetentionDays/,
    );
  });

  test.each([
    [{ deliveryTimeoutMs: 0 }, /deliveryTimeoutMs must be a positive integer/],
    [{ deliveryTimeoutMs: 880_000 }, /no room in Lambda's 900 s limit/],
    [{ attemptRetentionDays: 1.5 }, /attemptRetentionDays must be a positive integer/],
    [{ maxReceiveCount: 0 }, /maxReceiveCount must be a positive integer/],
    [{ throttlingRateLimit: -1 }, /throttlingRateLimit must be a positive integer/],
    [{ eventSource: 'georedir.webhooks' }, /eventSource must be a non-empty string other than/],
    [{ eventSource: ' ' }, /eventSource must be a non-empty string/],
    [{ portalFrameAncestors: [] }, /portalFrameAncestors: frame-ancestors needs at least one source/],
    [{ portalFrameAncestors: ["'none'", 'https://a.example'] }, /portalFrameAncestors: frame-ancestors 'none' must be the only source/],
    [{ portalFrameAncestors: ['https://a.example; script-src *'] }, /portalFrameAncestors: frame-ancestors source .* is not/],
    [{ portalFrameAncestors: ['https://a.example/path'] }, /portalFrameAncestors: frame-ancestors source .* is not/],
    [{ portalFrameAncestors: ['*'] }, /portalFrameAncestors: frame-ancestors source "\*" is not/],
    // A bare scheme would let every site of that scheme frame the portal.
    [{ portalFrameAncestors: ['https:'] }, /portalFrameAncestors: frame-ancestors source "https:" is not/],
    [{ portalFrameAncestors: ['http:', "'self'"] }, /portalFrameAncestors: frame-ancestors source "http:" is not/],
    [{ countsBatchSize: 0 }, /countsBatchSize must be a positive integer/],
    [{ countsBatchSize: 1001 }, /countsBatchSize must be at most 1000/],
    [{ countsMaxBatchingWindow: Duration.seconds(301) }, /countsMaxBatchingWindow must be at most 300 s/],
    [{ countsRetryAttempts: -1 }, /countsRetryAttempts must be a whole number from 0 to 10000/],
    [{ countsRetryAttempts: 2.5 }, /countsRetryAttempts must be a whole number/],
    [{ retryMaxConcurrency: 1 }, /retryMaxConcurrency must be a whole number from 2 to 1000/],
    [{ retryMaxConcurrency: 1001 }, /retryMaxConcurrency must be a whole number from 2 to 1000/],
    [{ retryBatchSize: 0 }, /retryBatchSize must be a whole number from 1 to 10000/],
    [{ retryBatchSize: 10_001 }, /retryBatchSize must be a whole number from 1 to 10000/],
    [{ retryBatchSize: 11, retryMaxBatchingWindow: Duration.seconds(0) }, /retryBatchSize above 10 needs a retryMaxBatchingWindow of at least 1 s/],
    [{ retryMaxBatchingWindow: Duration.seconds(301) }, /retryMaxBatchingWindow must be at most 300 s/],
  ] as [WebhookDeliveryProps, RegExp][])('%p is rejected', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

/**
 * Bad values of every prop. Typed over every key of the props, so a prop added without a bad value
 * here fails to compile; casts stand for callers without the compiler's checks (plain JavaScript).
 */
const BAD_VALUES: { readonly [K in keyof Required<WebhookDeliveryProps>]: readonly NonNullable<WebhookDeliveryProps[K]>[] } = {
  eventBusName: ['', 'default', 'acme/bus', 'has space', 'x'.repeat(257)],
  eventSource: ['', 'georedir.webhooks'],
  retryScheduleSeconds: ['0', 42 as unknown as string],
  allowPrivateEndpoints: ['yes' as unknown as boolean],
  deliveryTimeoutMs: [0, 880_000],
  attemptRetentionDays: [0, 1.5],
  maxReceiveCount: [0, 1001],
  batchSize: [0, 10_001, 2.5],
  maxBatchingWindow: [Duration.seconds(301)],
  maxConcurrency: [1, 1001, 2.5],
  retryBatchSize: [0, 10_001],
  retryMaxBatchingWindow: [Duration.minutes(6)],
  retryMaxConcurrency: [1, 1001],
  dispatcherReservedConcurrency: [-1, 1.5],
  dispatcherMemorySize: [127, 10_241, 256.5],
  managementMemorySize: [64, 10_241],
  managementReservedConcurrency: [0, 1001, 2.5],
  countsBatchSize: [0, 1001],
  countsMaxBatchingWindow: [Duration.seconds(301)],
  countsRetryAttempts: [-1, 10_001],
  countsMemorySize: [0, 10_241],
  throttlingRateLimit: [0, -1],
  throttlingBurstLimit: [0, 0.5],
  credentialRequestsPerSecond: [0, 1.5],
  credentialRequestBurst: [0, -2],
  accountRequestsPerSecond: [0, 2.5],
  accountRequestBurst: [0],
  accountTestSendsPerMinute: [0, 0.5],
  accountRecoversPerMinute: [-1, 0],
  scheduleGroupName: ['', 'default', 'has space', 'x'.repeat(65)],
  removalPolicy: ['keep' as RemovalPolicy],
  accessLogRetention: [2 as RetentionDays],
  alarmTopic: [{} as ITopic],
  portalFrameAncestors: [[], ['*']],
};

function show(value: unknown): string {
  if (value instanceof Duration) return value.toHumanString();
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

describe('every prop is checked: a bad value fails the synth, naming the prop', () => {
  const cases = Object.entries(BAD_VALUES).flatMap(([name, values]) =>
    (values as readonly unknown[]).map((value) => ({ label: `${name} = ${show(value)}`, name, value })),
  );

  test.each(cases)('$label', ({ name, value }) => {
    expect(() => build({ [name]: value })).toThrow(new RegExp(`^${name}\\b`));
  });

  test.each([
    [{ batchSize: 0 }, 'batchSize must be a whole number from 1 to 10000, got 0'],
    [{ batchSize: 11, maxBatchingWindow: Duration.seconds(0) }, 'batchSize above 10 needs a maxBatchingWindow of at least 1 s, got 0 seconds'],
    [{ maxBatchingWindow: Duration.seconds(301) }, 'maxBatchingWindow must be at most 300 s, got 5 minutes 1 second'],
    [{ maxConcurrency: 1 }, 'maxConcurrency must be a whole number from 2 to 1000, got 1'],
    [{ maxReceiveCount: 1001 }, 'maxReceiveCount must be at most 1000, got 1001'],
    [{ dispatcherReservedConcurrency: -1 }, 'dispatcherReservedConcurrency must be a whole number of at least 0, got -1'],
    [{ dispatcherMemorySize: 127 }, 'dispatcherMemorySize must be a whole number from 128 to 10240, got 127'],
    [{ managementMemorySize: 10_241 }, 'managementMemorySize must be a whole number from 128 to 10240, got 10241'],
    [{ managementReservedConcurrency: 0 }, 'managementReservedConcurrency must be a whole number from 1 to 1000, got 0'],
    [{ credentialRequestsPerSecond: 0 }, 'credentialRequestsPerSecond must be a positive integer, got 0'],
    [{ countsMemorySize: 64 }, 'countsMemorySize must be a whole number from 128 to 10240, got 64'],
    [{ eventBusName: 'acme/bus' }, 'eventBusName must be 1 to 256 letters, digits, \'.\', \'-\' or \'_\' (and not "default"), got "acme/bus"'],
    [{ scheduleGroupName: 'default' }, 'scheduleGroupName must be 1 to 64 letters, digits, \'.\', \'-\' or \'_\' (and not "default"), got "default"'],
    [{ allowPrivateEndpoints: 'true' as unknown as boolean }, 'allowPrivateEndpoints must be true or false, got "true"'],
    [{ removalPolicy: 'keep' as RemovalPolicy }, 'removalPolicy must be a RemovalPolicy value, got "keep"'],
    [{ accessLogRetention: 2 as RetentionDays }, 'accessLogRetention must be a RetentionDays value, got 2'],
    [{ alarmTopic: {} as ITopic }, 'alarmTopic must be an SNS topic (ITopic)'],
  ] as [WebhookDeliveryProps, string][])('%p fails with the message', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test("Lambda's and SQS's limits themselves are accepted", () => {
    expect(() =>
      build({
        batchSize: 10_000,
        maxConcurrency: 1000,
        retryBatchSize: 1,
        retryMaxBatchingWindow: Duration.seconds(0),
        retryMaxConcurrency: 2,
        maxReceiveCount: 1000,
        dispatcherReservedConcurrency: 0,
        dispatcherMemorySize: 128,
        managementMemorySize: 10_240,
        countsRetryAttempts: 0,
        countsMaxBatchingWindow: Duration.seconds(300),
        eventBusName: 'a'.repeat(256),
        scheduleGroupName: 'retries_v1.2-eu',
        removalPolicy: RemovalPolicy.SNAPSHOT,
        accessLogRetention: RetentionDays.INFINITE,
      }),
    ).not.toThrow();
  });

  test('names given as tokens are left to CloudFormation', () => {
    const app = new App({ context: SKIP_BUNDLING });
    const stack = new Stack(app, 'Parameters');
    const busName = new CfnParameter(stack, 'BusName').valueAsString;
    const groupName = new CfnParameter(stack, 'GroupName').valueAsString;
    expect(() => new WebhookDelivery(stack, 'Hooks', { eventBusName: busName, scheduleGroupName: groupName })).not.toThrow();
  });
});

describe('the two lanes\' batching windows', () => {
  test('no window on the event lane (as the bench measures latency) leaves the retry lane its 1 s window and batches of 100', () => {
    const { stack, webhooks } = build({ maxBatchingWindow: Duration.seconds(0) });
    const template = Template.fromStack(stack);
    const queueArn = (queue: typeof webhooks.dispatchQueue) => ({ 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as never), 'Arn'] });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: queueArn(webhooks.dispatchQueue), BatchSize: 10, MaximumBatchingWindowInSeconds: 0 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: queueArn(webhooks.retryQueue), BatchSize: 100, MaximumBatchingWindowInSeconds: 1 });
  });
});

describe('parseRetryScheduleSeconds', () => {
  test('returns the delays in order', () => {
    expect(parseRetryScheduleSeconds('60,300,1800,7200,28800')).toEqual([60, 300, 1800, 7200, 28800]);
    expect(parseRetryScheduleSeconds('1')).toEqual([1]);
  });
});
