import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SECRETS_ENCRYPTION_CONTEXT } from '../lambdas/adapters/secret-box';
import { TABLE_KEYS } from '../lambdas/adapters/table-design';
import { DELIVERY_KEY_PREFIX, LOG_KEY_PREFIX } from '../lambdas/adapters/table-keys';
import { FILTERED_ATTRIBUTE } from '../lambdas/counts/filtered-counts';
import { API_ENV } from '../lambdas/api/config';
import { REQUEST_LIMITS_ENV, type RequestLimitSettings } from '../lambdas/api/request-limit-settings';
import { queueVisibilityTimeoutSeconds } from '../lambdas/dispatcher/config';
import { ENV } from '../lambdas/shared/config';
import { WebhookAlarms } from './constructs/alarms';
import { portalCommandHooks } from './constructs/portal-bundling';
import { METRICS_NAMESPACE, WebhookFunction } from './constructs/webhook-function';
import { COUNTS_TABLE_GRANTS, DISPATCHER_TABLE_GRANTS, grantPatterns, MANAGEMENT_TABLE_GRANTS, type TableGrant } from './table-access';
import { OPERATIONAL_EVENT_SOURCE, resolveSettings, type WebhookDeliverySettings } from './webhook-delivery-settings';

// Checked and defaulted in webhook-delivery-settings.ts; exported here, where users import the construct.
export {
  DEFAULT_EVENT_BUS_NAME,
  DEFAULT_EVENT_SOURCE,
  OPERATIONAL_EVENT_SOURCE,
  parseRetryScheduleSeconds,
} from './webhook-delivery-settings';

const DLQ_RETENTION = Duration.days(14);
/** Every queue's: SQS-managed encryption (no customer key, so neither EventBridge nor Scheduler needs kms grants), TLS only. */
const QUEUE_PROTECTION = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
/**
 * SQS's largest message (1 MiB), on every queue an event body goes to. The default (256 KiB) is
 * smaller than the envelope EventBridge wraps around a PutEvents entry of up to 256 KiB, so the
 * largest accepted events would fail the rule target's send.
 */
export const EVENT_QUEUE_MAX_MESSAGE_BYTES = 1_048_576;
/**
 * The dispatch rule target's MessageGroupId: an EventBridge dynamic path parameter (the whole
 * value is a JSON path, read from each event), so each producer event carries its account as its
 * SQS fair-queue tenant.
 */
export const DISPATCH_MESSAGE_GROUP_ID = '$.detail.account_id';
/** Powertools service name of the dispatcher: the `service` dimension of its metrics. */
const DISPATCHER_SERVICE_NAME = 'webhook-dispatcher';
/** What the event source needs to read the table's stream (DynamoDB's example policy for Lambda). */
const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
/**
 * The counts aggregator sees only delivery items' inserts and changes (this filter) and the log
 * pages that carry filtered counts (COUNTS_LOG_PAGE_FILTER; Lambda passes a record that matches
 * either): it drops every other record of the stream before invoking (filtered records are not
 * billed as invocations). Test sends (`test: true`) are left out; a removal (TTL) has no new image,
 * so no `status` there. DynamoDB event source filters may only look at the record's `dynamodb` key.
 */
export const COUNTS_STREAM_FILTER = {
  dynamodb: {
    Keys: { [TABLE_KEYS.partitionKey]: { S: [{ prefix: DELIVERY_KEY_PREFIX }] } },
    NewImage: { status: { S: [{ exists: true }] }, test: { BOOL: [{ exists: false }] } },
  },
};
/**
 * A log page's insert that carries its batch's filtered counts (lambdas/counts/filtered-counts.ts):
 * the only record of an event an endpoint's filter left out. Most pages have no `filtered` and stay
 * away. A page is put once under a random key and its removal (TTL) has no new image, so what passes
 * is its insert (the aggregator counts inserts only all the same). `filtered` is a string because
 * `exists` matches leaf values only, never a map.
 */
export const COUNTS_LOG_PAGE_FILTER = {
  dynamodb: {
    Keys: { [TABLE_KEYS.partitionKey]: { S: [{ prefix: LOG_KEY_PREFIX }] } },
    NewImage: { [FILTERED_ATTRIBUTE]: { S: [{ exists: true }] } },
  },
};
/** Both, in the order the event source lists them. */
export const COUNTS_STREAM_FILTERS = [COUNTS_STREAM_FILTER, COUNTS_LOG_PAGE_FILTER];
/**
 * One line per API request. Only $context fields: no header (so never Authorization), no body,
 * no query string. Values are quoted because API Gateway writes "-" for a missing one.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
} as const;
/** API Gateway HTTP APIs stop waiting for an integration after 30 s, so a longer function timeout buys nothing. */
const MANAGEMENT_TIMEOUT = Duration.seconds(30);

/**
 * Every prop is optional and checked once, at synth (`resolveSettings` in webhook-delivery-settings.ts):
 * a bad value fails the synth with an error that names the prop.
 */
export interface WebhookDeliveryProps {
  /**
   * Name of the EventBridge bus producers publish to: 1-256 letters, digits, `.`, `-` or `_`, not `default`.
   * @default 'georedir-webhooks'
   */
  readonly eventBusName?: string;
  /**
   * The `source` producers publish with; only events from it are dispatched. Not empty, and not the
   * service's own `georedir.webhooks`.
   * @default 'georedir'
   */
  readonly eventSource?: string;
  /**
   * Delays in seconds before each retry, as a comma-separated list of positive integers.
   * Delays up to 900 s use SQS DelaySeconds, longer ones an EventBridge Scheduler schedule.
   * Checked at synth time with the functions' own parser.
   * @default '60,300,1800,7200,28800'
   */
  readonly retryScheduleSeconds?: string;
  /**
   * Allow plain http:// and private, loopback or link-local endpoint addresses. Only for test setups.
   * @default false
   */
  readonly allowPrivateEndpoints?: boolean;
  /**
   * How long one delivery waits for the endpoint's response, in milliseconds (a positive integer).
   * The dispatcher's timeout is this plus 30 s (at most Lambda's 900 s), and the queues' visibility
   * timeout six times that.
   * @default 30000
   */
  readonly deliveryTimeoutMs?: number;
  /**
   * Days that events, deliveries and attempt logs are kept before DynamoDB's TTL removes them
   * (a positive integer). Must cover the whole retry schedule.
   * @default 30
   */
  readonly attemptRetentionDays?: number;
  /**
   * Receives of one dispatch or retry message before it moves to the dead-letter queue (1-1000).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Messages per dispatcher invocation on the dispatch queue (producer events; 1-10,000, above 10
   * with a `maxBatchingWindow` of at least 1 s, as Lambda requires).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the dispatch queue's event source gathers producer events before invoking the
   * dispatcher (at most 300 s).
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Upper bound of concurrent dispatcher invocations the SQS event source starts (2-1000).
   * @default - no limit besides the account's concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Messages per dispatcher invocation on the retry queue (1-10,000; above 10 the retry lane's
   * batching window must be at least 1 s, as Lambda requires). Retries are not latency-bound the
   * way producer events are, and a batch's reads, log page and hand-overs serve all its messages,
   * so the retry lane takes bigger batches: a failing endpoint's retries cost fewer invocations.
   * @default 100
   */
  readonly retryBatchSize?: number;
  /**
   * How long the retry queue's event source gathers messages before invoking the dispatcher
   * (without a window every due retry would be an invocation of its own; at most 300 s).
   * @default Duration.seconds(1)
   */
  readonly retryMaxBatchingWindow?: Duration;
  /**
   * Upper bound of concurrent dispatcher invocations on the retry queue (2-1000): the share of
   * concurrency that retries, redeliveries and circuit-breaker probes (all the sends to endpoints
   * that failed or hung before) can take, so a failing endpoint cannot starve first attempts.
   * @default 10
   */
  readonly retryMaxConcurrency?: number;
  /**
   * Reserved concurrency of the dispatcher (0 or more; 0 stops it).
   * @default - none (uses the account's unreserved pool)
   */
  readonly dispatcherReservedConcurrency?: number;
  /**
   * Memory of the dispatcher in MB (128-10,240).
   * @default 256
   */
  readonly dispatcherMemorySize?: number;
  /**
   * Memory of the management API function in MB (128-10,240).
   * @default 256
   */
  readonly managementMemorySize?: number;
  /**
   * Reserved concurrency of the management API function (1-1000): however busy the API gets, it
   * takes no more of the account's concurrency than this, so it can never starve the dispatcher.
   * @default 10
   */
  readonly managementReservedConcurrency?: number;
  /**
   * Records of the table's stream per counts aggregator invocation (1-1000). The aggregator writes
   * one ADD per endpoint and hour per batch, so larger batches mean fewer writes.
   * @default 1000
   */
  readonly countsBatchSize?: number;
  /**
   * How long the stream event source gathers records before invoking the counts aggregator: the
   * portal chart's counts are at most about this late (0-300 s).
   * @default Duration.seconds(10)
   */
  readonly countsMaxBatchingWindow?: Duration;
  /**
   * Retries of a stream batch the counts aggregator failed on (besides bisecting it), before the
   * batch's position goes to the counts dead-letter queue (0-10,000).
   * @default 5
   */
  readonly countsRetryAttempts?: number;
  /**
   * Memory of the counts aggregator function in MB (128-10,240).
   * @default 256
   */
  readonly countsMemorySize?: number;
  /**
   * Steady-state requests per second of the management API's default stage (a positive integer).
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests the management API's default stage accepts (a positive integer).
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Requests per second one credential (an API key, a portal link or an admin key) may make to the
   * management API, sustained (a positive integer); beyond it the API answers 429 with Retry-After.
   * @default 20
   */
  readonly credentialRequestsPerSecond?: number;
  /**
   * Requests one credential may make at once after a quiet spell (a positive integer).
   * @default 40
   */
  readonly credentialRequestBurst?: number;
  /**
   * Requests per second one account may make, all its credentials together, sustained (a positive
   * integer): one account's load never takes another's share.
   * @default 50
   */
  readonly accountRequestsPerSecond?: number;
  /**
   * Requests one account may make at once after a quiet spell (a positive integer).
   * @default 100
   */
  readonly accountRequestBurst?: number;
  /**
   * Test sends per account and minute, whatever the endpoint (a positive integer); each endpoint
   * also has its own limit per minute (TEST_SENDS_PER_MINUTE, 10).
   * @default 30
   */
  readonly accountTestSendsPerMinute?: number;
  /**
   * Recover calls per account and minute (a positive integer); each call reopens at most 500 deliveries.
   * @default 5
   */
  readonly accountRecoversPerMinute?: number;
  /**
   * Name of the EventBridge Scheduler group holding long-delay retries: 1-64 letters, digits, `.`,
   * `-` or `_`, not `default`.
   * @default - a unique name generated by CloudFormation
   */
  readonly scheduleGroupName?: string;
  /**
   * What happens to the table (accounts, keys, endpoints, delivery logs) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the management API's access logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * SNS topic notified by every alarm.
   * @default - alarms without actions
   */
  readonly alarmTopic?: ITopic;
  /**
   * Who may show the customer portal (`<api>/portal`) in a frame: the sources of its
   * Content-Security-Policy `frame-ancestors`, e.g. `['https://dashboard.georedir.com']` to embed it
   * in GeoRedir's dashboard with an iframe. `'self'` and origins (with a `*.` subdomain wildcard or
   * a port) are allowed; anything else fails the synth, a bare scheme such as `https:` too (it
   * would let every HTTPS site frame the portal).
   * @default ["'none'"] (the portal cannot be framed)
   */
  readonly portalFrameAncestors?: readonly string[];
}

/**
 * Signed, retried webhook delivery: an EventBridge bus whose rule feeds an SQS dispatch queue, a
 * dispatcher function that POSTs to customers' endpoints and retries through a retry queue of its
 * own (delayed SQS messages, EventBridge Scheduler beyond 15 minutes), one DynamoDB table, and a
 * management HTTP API.
 */
export class WebhookDelivery extends Construct {
  public readonly eventBus: EventBus;
  public readonly eventSource: string;
  public readonly rule: Rule;
  /** Producer events, from the rule: first attempts. */
  public readonly dispatchQueue: Queue;
  /** The retry lane: retries, redeliveries and waits for a record, consumed with bounded concurrency. */
  public readonly retryQueue: Queue;
  /** Where both queues redrive a message the dispatcher failed on `maxReceiveCount` times. */
  public readonly dispatchDeadLetterQueue: Queue;
  /** Events EventBridge failed to put on the dispatch queue. */
  public readonly ruleDeadLetterQueue: Queue;
  /** Retries EventBridge Scheduler failed to put on the retry queue. */
  public readonly schedulerDeadLetterQueue: Queue;
  public readonly table: Table;
  /** Seals endpoint signing secrets and custom header values (envelope encryption); rotated yearly by KMS. */
  public readonly secretsKey: Key;
  /** HMAC key portal tokens and paging cursors are signed with (through daily keys derived from it). */
  public readonly signingKey: Key;
  public readonly scheduleGroup: ScheduleGroup;
  /** The group's name, as the functions receive it. */
  public readonly scheduleGroupName: string;
  /** Assumed by EventBridge Scheduler to put retry messages on the retry queue. */
  public readonly schedulerRole: Role;
  public readonly dispatcherFunction: WebhookFunction;
  public readonly managementFunction: WebhookFunction;
  /** Sums delivery item changes from the table's stream into the portal chart's hourly counts. */
  public readonly countsFunction: WebhookFunction;
  /** Where the stream event source records a batch the counts aggregator failed on for good. */
  public readonly countsDeadLetterQueue: Queue;
  public readonly httpApi: HttpApi;
  public readonly httpStage: HttpStage;
  /** One JSON line per management API request (no headers, no bodies). */
  public readonly accessLogGroup: LogGroup;
  /** Base URL of the management API (ends with `/`). */
  public readonly apiUrl: string;
  /** The customer portal's page; a portal link adds `#token=...`. */
  public readonly portalUrl: string;
  public readonly alarms: WebhookAlarms;
  /** The ARNs of the retry group's schedules, as the functions' and the findings' policies name them. */
  private readonly scheduleArnsInGroup: string;

  /** The build steps, one part each, in dependency order: each step reads only the parts built before it. */
  constructor(scope: Construct, id: string, props: WebhookDeliveryProps = {}) {
    super(scope, id);
    const settings = resolveSettings(props);
    this.eventSource = settings.eventSource;

    this.table = this.createTable(settings);
    this.secretsKey = new Key(this, 'SecretsKey', {
      description: 'GeoRedir Webhooks: envelope key of endpoint signing secrets and custom header values',
      enableKeyRotation: true,
      removalPolicy: settings.removalPolicy,
    });
    this.signingKey = new Key(this, 'SigningKey', {
      description: 'GeoRedir Webhooks: signs portal tokens and paging cursors (GenerateMac)',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: settings.removalPolicy,
    });

    this.dispatchDeadLetterQueue = this.deadLetterQueue('DispatchDeadLetterQueue', { takesEvents: true });
    this.dispatchQueue = this.laneQueue('DispatchQueue', settings);
    // Retries apart from producer events: a failing endpoint's retries never split the event
    // batches (each part waiting out the batching window) and take at most retryMaxConcurrency.
    this.retryQueue = this.laneQueue('RetryQueue', settings);
    // Gets the event itself when the send to the dispatch queue fails, so it takes what that queue takes.
    this.ruleDeadLetterQueue = this.deadLetterQueue('RuleDeadLetterQueue', { takesEvents: true });
    this.schedulerDeadLetterQueue = this.deadLetterQueue('SchedulerDeadLetterQueue');
    this.countsDeadLetterQueue = this.deadLetterQueue('CountsDeadLetterQueue');

    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: settings.eventBusName });
    this.rule = this.createDispatchRule(settings);

    this.scheduleGroup = this.createRetryScheduleGroup(settings);
    this.scheduleGroupName = this.scheduleGroup.scheduleGroupName;
    this.scheduleArnsInGroup = Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroupName}/*` });
    this.schedulerRole = this.createSchedulerRole();

    this.dispatcherFunction = this.createDispatcher(settings);
    this.managementFunction = this.createManagementFunction(settings);
    this.countsFunction = this.createCountsAggregator(settings);

    // The stage is added by hand because HttpApi's own default stage takes no throttling settings.
    this.httpApi = new HttpApi(this, 'HttpApi', { description: 'GeoRedir Webhooks management API', createDefaultStage: false });
    this.accessLogGroup = new LogGroup(this, 'ApiAccessLogs', { retention: settings.accessLogRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.httpStage = this.addThrottledStage(settings);
    this.apiUrl = this.httpStage.url;
    this.portalUrl = `${this.apiUrl}portal`;
    const routes = this.addManagementRoutes();

    this.alarms = this.createAlarms(settings);
    this.acknowledgeByDesignFindings(routes);
  }

  private createTable(settings: WebhookDeliverySettings): Table {
    const table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      // Old and new images: the counts aggregator counts a delivery's status changes from them.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: settings.removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.gsi1.indexName,
      partitionKey: { name: TABLE_KEYS.gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.gsi1.sortKey, type: AttributeType.STRING },
    });
    return table;
  }

  /**
   * A dead-letter queue, kept 14 days. `takesEvents`: it may get a whole event body, so it takes
   * SQS's largest message, as the event queues do.
   */
  private deadLetterQueue(id: string, options: { readonly takesEvents?: boolean } = {}): Queue {
    return new Queue(this, id, {
      ...QUEUE_PROTECTION,
      retentionPeriod: DLQ_RETENTION,
      maxMessageSizeBytes: options.takesEvents ? EVENT_QUEUE_MAX_MESSAGE_BYTES : undefined,
    });
  }

  /** One of the dispatcher's two lanes (dispatch, retry): both redrive to the dispatch dead-letter queue. */
  private laneQueue(id: string, settings: WebhookDeliverySettings): Queue {
    return new Queue(this, id, {
      ...QUEUE_PROTECTION,
      // AWS guidance for SQS event sources (six times the function timeout), in the one place the dispatcher reads it too.
      visibilityTimeout: Duration.seconds(queueVisibilityTimeoutSeconds(settings.deliveryTimeoutMs)),
      deadLetterQueue: { queue: this.dispatchDeadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
      maxMessageSizeBytes: EVENT_QUEUE_MAX_MESSAGE_BYTES,
    });
  }

  private createDispatchRule(settings: WebhookDeliverySettings): Rule {
    const rule = new Rule(this, 'DispatchRule', {
      eventBus: this.eventBus,
      description: `Events from ${settings.eventSource} to the webhook dispatch queue`,
      // The source only, not the detail types: an event of an unknown type must reach the
      // dispatcher, which records it as rejected with the reason instead of letting it vanish.
      eventPattern: { source: [settings.eventSource] },
    });
    // The target also adds the queue policy letting events.amazonaws.com send only from this rule.
    rule.addTarget(
      new SqsQueue(this.dispatchQueue, {
        // The account is the tenant (SQS fair queues): while one account holds a disproportionate
        // share of the dispatchers, other accounts' events are received first. A dynamic path,
        // evaluated per event; the dispatcher's retry hand-overs set the same (retry-scheduler.ts).
        messageGroupId: DISPATCH_MESSAGE_GROUP_ID,
        deadLetterQueue: this.ruleDeadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
    return rule;
  }

  private createRetryScheduleGroup(settings: WebhookDeliverySettings): ScheduleGroup {
    return new ScheduleGroup(this, 'RetryScheduleGroup', {
      scheduleGroupName: settings.scheduleGroupName,
      // Deleting the group deletes its pending retries; they are worthless without the queue anyway.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  private createSchedulerRole(): Role {
    const role = new Role(this, 'SchedulerRole', {
      description: 'Lets EventBridge Scheduler put webhook retry messages on the retry queue',
      // Confused-deputy guard: only schedules of this account's retry group may use the role.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': this.scheduleGroup.scheduleGroupArn },
        },
      }),
    });
    // The dead-letter queue too: Scheduler sends there with this role when the target send fails.
    role.addToPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.retryQueue.queueArn, this.schedulerDeadLetterQueue.queueArn],
      }),
    );
    return role;
  }

  /** What the dispatcher and the management function both read at cold start. */
  private sharedEnvironment(settings: WebhookDeliverySettings): Record<string, string> {
    return {
      [ENV.tableName]: this.table.tableName,
      [ENV.retryQueueUrl]: this.retryQueue.queueUrl,
      [ENV.retryQueueArn]: this.retryQueue.queueArn,
      [ENV.schedulerRoleArn]: this.schedulerRole.roleArn,
      [ENV.scheduleGroupName]: this.scheduleGroupName,
      [ENV.eventSource]: settings.eventSource,
      [ENV.retryScheduleSeconds]: settings.retryScheduleSeconds,
      [ENV.allowPrivateEndpoints]: String(settings.allowPrivateEndpoints),
      [ENV.deliveryTimeoutMs]: String(settings.deliveryTimeoutMs),
      [ENV.attemptRetentionDays]: String(settings.attemptRetentionDays),
      [ENV.secretsKeyArn]: this.secretsKey.keyArn,
    };
  }

  /**
   * One statement per grant of table-access.ts: its actions on the table (or gsi1 for an index
   * query) only for items whose partition key (the index's, for a query of it) starts with one of
   * its builders' prefixes, and only its attributes where it names them.
   */
  private grantTable(fn: WebhookFunction, grants: readonly TableGrant[]): void {
    for (const grant of grants) {
      const conditions: Record<string, Record<string, unknown>> = {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': grantPatterns(grant) },
      };
      if (grant.attributes) {
        conditions['ForAllValues:StringEquals'] = { 'dynamodb:Attributes': [...grant.attributes] };
        // ALL_NEW or ALL_OLD would hand back attributes the grant does not name.
        conditions['StringEqualsIfExists'] = { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] };
      }
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: [...grant.actions],
          resources: [grant.index ? `${this.table.tableArn}/index/${TABLE_KEYS.gsi1.indexName}` : this.table.tableArn],
          conditions,
        }),
      );
    }
  }

  /** Opening sealed endpoint secrets (both functions) and sealing new ones (the management API only), only under their context. */
  private grantSecrets(fn: WebhookFunction, actions: readonly string[]): void {
    const context = Object.fromEntries(Object.entries(SECRETS_ENCRYPTION_CONTEXT).map(([name, value]) => [`kms:EncryptionContext:${name}`, value]));
    fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [this.secretsKey.keyArn], conditions: { StringEquals: context } }));
  }

  /** The dispatcher, the two queues' event sources that invoke it, and exactly what it may do. */
  private createDispatcher(settings: WebhookDeliverySettings): WebhookFunction {
    const fn = new WebhookFunction(this, 'DispatcherFunction', {
      description: 'Signs and POSTs webhook deliveries from the dispatch and retry queues, and schedules retries',
      entry: path.join(__dirname, '..', 'lambdas', 'dispatcher', 'handler.ts'),
      serviceName: DISPATCHER_SERVICE_NAME,
      memorySize: settings.dispatcherMemorySize,
      timeout: settings.dispatcherTimeout,
      reservedConcurrentExecutions: settings.dispatcherReservedConcurrency,
      environment: {
        ...this.sharedEnvironment(settings),
        [ENV.eventBusName]: this.eventBus.eventBusName,
        [ENV.schedulerDeadLetterQueueArn]: this.schedulerDeadLetterQueue.queueArn,
      },
    });
    fn.addEventSource(
      new SqsEventSource(this.dispatchQueue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    // A batching window and big batches: without them every due retry would be an invocation of its
    // own, with its own reads and log page (a second on a schedule of minutes is nothing).
    fn.addEventSource(
      new SqsEventSource(this.retryQueue, {
        batchSize: settings.retryBatchSize,
        maxBatchingWindow: settings.retryMaxBatchingWindow,
        maxConcurrency: settings.retryMaxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.grantTable(fn, DISPATCHER_TABLE_GRANTS);
    // Only the service's own operational events (endpoint.disabled): the role cannot pose as a producer.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: { StringEquals: { 'events:source': OPERATIONAL_EVENT_SOURCE } },
      }),
    );
    this.grantSecrets(fn, ['kms:Decrypt']);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.retryQueue.queueArn] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [this.scheduleArnsInGroup] }));
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    return fn;
  }

  /** The management API's function (and the portal's files beside its bundle), and what it may do. */
  private createManagementFunction(settings: WebhookDeliverySettings): WebhookFunction {
    const fn = new WebhookFunction(this, 'ManagementFunction', {
      description: 'GeoRedir Webhooks management API',
      entry: path.join(__dirname, '..', 'lambdas', 'api', 'handler.ts'),
      serviceName: 'webhook-api',
      memorySize: settings.managementMemorySize,
      timeout: MANAGEMENT_TIMEOUT,
      reservedConcurrentExecutions: settings.managementReservedConcurrency,
      environment: {
        ...this.sharedEnvironment(settings),
        ...requestLimitsEnvironment(settings.requestLimits),
        // The audit trail is INFO lines (lambdas/api/audit.ts): no quieter level may drop it.
        POWERTOOLS_LOG_LEVEL: 'INFO',
        [API_ENV.portalFrameAncestors]: settings.portalFrameAncestors,
        [API_ENV.signingKeyArn]: this.signingKey.keyArn,
      },
      // The portal's page and files travel in the function's asset, beside (not inside) the bundle.
      bundling: { commandHooks: portalCommandHooks(this) },
    });
    this.grantTable(fn, MANAGEMENT_TABLE_GRANTS);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.retryQueue.queueArn] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['scheduler:DeleteSchedule'], resources: [this.scheduleArnsInGroup] }));
    this.grantSecrets(fn, ['kms:Decrypt', 'kms:GenerateDataKey']);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:GenerateMac'],
        resources: [this.signingKey.keyArn],
        conditions: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } },
      }),
    );
    return fn;
  }

  /**
   * The portal chart's counts, off the delivery path: the table's stream (delivery items and log
   * pages with filtered counts only, by the filters) feeds an aggregator that writes one ADD per
   * endpoint and hour of a batch. Lambda reads the stream for free; the dispatcher makes no write
   * for the chart.
   */
  private createCountsAggregator(settings: WebhookDeliverySettings): WebhookFunction {
    const fn = new WebhookFunction(this, 'CountsFunction', {
      description: 'Sums delivery changes from the table stream into hourly counts per endpoint (the portal chart)',
      entry: path.join(__dirname, '..', 'lambdas', 'counts', 'handler.ts'),
      serviceName: 'webhook-counts',
      memorySize: settings.countsMemorySize,
      environment: {
        [ENV.tableName]: this.table.tableName,
        [ENV.attemptRetentionDays]: String(settings.attemptRetentionDays),
      },
    });
    const streamArn = this.table.tableStreamArn!;
    // Created by hand rather than with DynamoEventSource, whose grant allows ListStreams on every stream.
    new EventSourceMapping(this, 'CountsEventSource', {
      target: fn,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.LATEST,
      batchSize: settings.countsBatchSize,
      maxBatchingWindow: settings.countsMaxBatchingWindow,
      filters: COUNTS_STREAM_FILTERS.map((pattern) => FilterCriteria.filter(pattern)),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: settings.countsRetryAttempts,
      onFailure: new SqsDlq(this.countsDeadLetterQueue),
    });
    fn.addToRolePolicy(new PolicyStatement({ actions: STREAM_READ_ACTIONS, resources: [streamArn] }));
    // UpdateItem on counts items only: the aggregator can change no delivery, endpoint or key.
    this.grantTable(fn, COUNTS_TABLE_GRANTS);
    return fn;
  }

  /** The `$default` stage, throttled and writing one access log line per request. */
  private addThrottledStage(settings: WebhookDeliverySettings): HttpStage {
    return this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttlingRateLimit, burstLimit: settings.throttlingBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** Every route goes to the management function; returns them for the findings they raise. */
  private addManagementRoutes(): Construct[] {
    const integration = new HttpLambdaIntegration('ManagementIntegration', this.managementFunction);
    return [
      ...this.httpApi.addRoutes({ path: '/v1/event-types', methods: [HttpMethod.GET], integration }),
      ...this.httpApi.addRoutes({ path: '/health', methods: [HttpMethod.GET], integration }),
      ...this.httpApi.addRoutes({ path: '/v1/{proxy+}', methods: [HttpMethod.ANY], integration }),
      // The customer portal: its page and its files (the function serves an allow-list of names).
      ...this.httpApi.addRoutes({ path: '/portal', methods: [HttpMethod.GET], integration }),
      ...this.httpApi.addRoutes({ path: '/portal/{file}', methods: [HttpMethod.GET], integration }),
    ];
  }

  private createAlarms(settings: WebhookDeliverySettings): WebhookAlarms {
    return new WebhookAlarms(this, 'Alarms', {
      dispatchDeadLetterQueue: this.dispatchDeadLetterQueue,
      ruleDeadLetterQueue: this.ruleDeadLetterQueue,
      schedulerDeadLetterQueue: this.schedulerDeadLetterQueue,
      countsDeadLetterQueue: this.countsDeadLetterQueue,
      dispatcherFunction: this.dispatcherFunction,
      managementFunction: this.managementFunction,
      countsFunction: this.countsFunction,
      rejectedEventsMetric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'EventsRejected',
        dimensionsMap: { service: DISPATCHER_SERVICE_NAME },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      alarmTopic: settings.alarmTopic,
    });
  }

  /**
   * cdk-nag (AwsSolutions) findings that are the design, each with the reason. Everything else
   * it reports is fixed, and test/infra/cdk-nag.test.ts keeps it that way.
   */
  private acknowledgeByDesignFindings(routes: readonly Construct[]): void {
    for (const queue of [this.ruleDeadLetterQueue, this.schedulerDeadLetterQueue, this.countsDeadLetterQueue]) {
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue (of the EventBridge rule target, of the Scheduler retry target or the stream event source\'s on-failure destination), which cdk-nag cannot see because no SQS redrive policy points to it.',
      });
    }
    Validations.of(this.countsFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is chosen on purpose: the bundles are built for node22 and tested on it; the runtime moves together with the bundling target.',
    });
    for (const fn of [this.dispatcherFunction, this.managementFunction]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is chosen on purpose: the bundles are built for node22 and tested on it; the runtime moves together with the bundling target.',
      });
      const role: IRole = fn.role!;
      Validations.of(role).acknowledge({
        id: wildcardResourceFinding(this, this.scheduleArnsInGroup),
        reason: 'Retry schedules are named per delivery and attempt at run time; the wildcard is limited to the retry schedule group of this construct.',
      });
    }
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The management function authenticates every /v1 request (Authorization: Bearer: an API key or a portal token, scoped to its account; ' +
          'an admin key on /v1/admin routes only); /health, /v1/event-types, /v1/openapi.json and the portal page and files ' +
          '(/portal, which send the token from their link themselves) are public by design.',
      });
    }
  }
}

/** The management function's request limits, as request-limit-settings.ts reads them at cold start. */
function requestLimitsEnvironment(limits: RequestLimitSettings): Record<string, string> {
  return Object.fromEntries((Object.keys(REQUEST_LIMITS_ENV) as (keyof RequestLimitSettings)[]).map((name) => [REQUEST_LIMITS_ENV[name], String(limits[name])]));
}

/**
 * cdk-nag's id of a wildcard-resource finding, `AwsSolutions-IAM5[Resource::<ARN>]`, with the ARN's
 * references flattened the way cdk-nag flattens them (`<Logical.Arn>`, `<AWS::Partition>`).
 */
function wildcardResourceFinding(scope: Construct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(arn))}]`;
}

function flattenReference(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
      return parts.map(flattenReference).join(delimiter);
    }
    if (Array.isArray(intrinsic['Fn::GetAtt'])) {
      const [logicalId, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(logicalId)}.${flattenReference(attribute)}>`;
    }
    if ('Ref' in intrinsic) return `<${flattenReference(intrinsic.Ref)}>`;
  }
  return JSON.stringify(node);
}
