// The synthesized template read as a local deployment: every resource gets a local physical name,
// URL and ARN (as CloudFormation would assign them), and the pieces the local run starts (tables,
// queues, buses and rules, schedule groups, functions, event source mappings, HTTP routes) are
// described with their intrinsics resolved. Anything the local run cannot honour is an error here,
// at start, rather than a silent difference from the deployment.
import { createHash } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { type BusConfig, parseDynamicPath, type RuleConfig, type RuleTargetConfig } from './aws-endpoint/eventbridge';
import { compileEventPattern, EventPatternError } from '../lambdas/domain/event-pattern';
import type { LocalKeySpec, LocalKmsKeyConfig } from './aws-endpoint/kms';
import type { QueueConfig } from './aws-endpoint/sqs';
import { IntrinsicError, IntrinsicResolver } from './intrinsics';
import type { LambdaFunctionSettings } from './lambda-runner';
import { type CfnResource, constructLabel, resourcesOfType, type SynthesizedStack, TemplateError } from './template';

export interface LocalEnvironment {
  readonly region: string;
  readonly accountId: string;
  /** Base URL of the local AWS endpoint, e.g. `http://127.0.0.1:4566` (queue URLs live there). */
  readonly awsEndpointUrl: string;
  /** Base URL of the local HTTP API, e.g. `http://127.0.0.1:3000`. */
  readonly apiUrl: string;
}

export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly config: QueueConfig;
}

export interface LocalTable {
  readonly logicalId: string;
  readonly tableName: string;
  readonly createTable: CreateTableCommandInput;
  /** DynamoDB Local records the setting but never expires items. */
  readonly ttlAttribute?: string;
  /** The ARN the template's `Fn::GetAtt <table>.StreamArn` resolves to, when the table has a stream. */
  readonly streamArn?: string;
}

export interface LocalFunction extends LambdaFunctionSettings {
  readonly logicalId: string;
  readonly reservedConcurrency?: number;
  /** The template's Environment.Variables, resolved. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface LocalEventSourceMapping {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly queue: LocalQueue;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maximumConcurrency?: number;
  readonly enabled: boolean;
}

/** An event source mapping on a table's stream (DynamoDB Streams), as Lambda polls it. */
export interface LocalStreamEventSourceMapping {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly table: LocalTable;
  /** As the template resolves it (what records carry as eventSourceARN). */
  readonly eventSourceArn: string;
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON';
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** FilterCriteria patterns, parsed and checked; a record passes when one matches (none: every record). */
  readonly filterPatterns: readonly Record<string, unknown>[];
  readonly reportBatchItemFailures: boolean;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires, as Lambda's default. */
  readonly maximumRetryAttempts: number;
  /** Where a batch's position goes once its retries are used up. */
  readonly onFailureQueue?: LocalQueue;
  readonly enabled: boolean;
}

export interface LocalRoute {
  readonly routeKey: string;
  readonly functionLogicalId: string;
}

export interface LocalStack {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly tables: LocalTable[];
  readonly queues: LocalQueue[];
  readonly buses: BusConfig[];
  /** Besides Scheduler's `default` group. */
  readonly scheduleGroups: string[];
  /** The stack's KMS keys (`AWS::KMS::Key`): ids stable across restarts, so --persist keeps their material. */
  readonly kmsKeys: LocalKmsKeyConfig[];
  readonly functions: LocalFunction[];
  /** SQS event source mappings. */
  readonly eventSourceMappings: LocalEventSourceMapping[];
  /** DynamoDB stream event source mappings. */
  readonly streamEventSourceMappings: LocalStreamEventSourceMapping[];
  readonly routes: LocalRoute[];
  /** Stack outputs that resolve locally. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Resource types present in the template that the local run does not emulate, with counts. */
  readonly notEmulated: Readonly<Record<string, number>>;
  /** Notes worth one line at start (outputs that do not resolve locally, ...). */
  readonly warnings: string[];
}

interface Identity {
  ref: unknown;
  attributes: Record<string, unknown>;
}

/** Types with no local behaviour: permissions, logs and alarms are AWS-side concerns. */
const NOT_EMULATED = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::CloudWatch::Alarm',
  'AWS::ApiGatewayV2::Stage',
  'AWS::CDK::Metadata',
]);
const EMULATED = new Set([
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::KMS::Key',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
]);
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
const LAMBDA_DEFAULT_MEMORY_MB = 128;
const SQS_DEFAULT_BATCH_SIZE = 10;
const STREAM_DEFAULT_BATCH_SIZE = 100;
/** What Lambda lets a DynamoDB stream filter look at. */
const STREAM_FILTER_KEYS = new Set(['dynamodb']);

export function describeLocalStack(stack: SynthesizedStack, environment: LocalEnvironment): LocalStack {
  return new LocalStackReader(stack, environment).read();
}

class LocalStackReader {
  private readonly resolver: IntrinsicResolver;
  private readonly identities = new Map<string, Identity>();
  private readonly resolving = new Set<string>();
  private readonly resources: Record<string, CfnResource>;
  private readonly warnings: string[] = [];

  constructor(
    private readonly stack: SynthesizedStack,
    private readonly env: LocalEnvironment,
  ) {
    const { template } = stack;
    this.resolver = new IntrinsicResolver({
      ref: (logicalId) => this.ref(logicalId),
      getAtt: (logicalId, attribute) => this.getAtt(logicalId, attribute),
      pseudoParameters: {
        'AWS::Region': env.region,
        'AWS::AccountId': env.accountId,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
        'AWS::StackName': stack.stackName,
        'AWS::StackId': `arn:aws:cloudformation:${env.region}:${env.accountId}:stack/${stack.stackName}/local`,
        'AWS::NotificationARNs': [],
      },
      conditions: template.Conditions,
      mappings: template.Mappings,
    });
    // Resources whose Condition is false do not exist.
    this.resources = Object.fromEntries(
      Object.entries(template.Resources).filter(([, resource]) => !resource.Condition || this.resolver.condition(resource.Condition)),
    );
  }

  read(): LocalStack {
    const template = { ...this.stack.template, Resources: this.resources };
    const queues = resourcesOfType(template, 'AWS::SQS::Queue').map(({ logicalId, resource }) => this.queue(logicalId, resource));
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(({ logicalId, resource }) => this.lambdaFunction(logicalId, resource));
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table').map(({ logicalId, resource }) => this.table(logicalId, resource));
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    const isStream = ({ logicalId, resource }: { logicalId: string; resource: CfnResource }) =>
      tables.some((table) => table.streamArn !== undefined && table.streamArn === this.resolveProperties(logicalId, resource).EventSourceArn);
    const result: LocalStack = {
      stackName: this.stack.stackName,
      region: this.env.region,
      accountId: this.env.accountId,
      tables,
      queues,
      buses: this.buses(template, queues),
      scheduleGroups: resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup')
        .map(({ logicalId }) => String(this.ref(logicalId)))
        .filter((name) => name !== 'default'),
      kmsKeys: resourcesOfType(template, 'AWS::KMS::Key').map(({ logicalId, resource }) => this.kmsKey(logicalId, resource)),
      functions,
      eventSourceMappings: mappings.filter((mapping) => !isStream(mapping)).map(({ logicalId, resource }) =>
        this.eventSourceMapping(logicalId, resource, queues, functions),
      ),
      streamEventSourceMappings: mappings.filter(isStream).map(({ logicalId, resource }) =>
        this.streamEventSourceMapping(logicalId, resource, tables, queues, functions),
      ),
      routes: this.routes(template, functions),
      outputs: this.outputs(),
      notEmulated: this.notEmulated(),
      warnings: this.warnings,
    };
    return result;
  }

  // --- identities: what Ref and GetAtt answer for each resource -------------------------------

  private ref(logicalId: string): unknown {
    if (!this.resources[logicalId]) return this.parameter(logicalId);
    return this.identity(logicalId).ref;
  }

  private getAtt(logicalId: string, attribute: string): unknown {
    const resource = this.resources[logicalId];
    if (!resource) throw new IntrinsicError(`Fn::GetAtt: ${logicalId} is not a resource of the template`);
    const attributes = this.identity(logicalId).attributes;
    if (!(attribute in attributes)) {
      throw new IntrinsicError(
        `Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}) is not supported locally` +
          ` (supported: ${Object.keys(attributes).join(', ') || 'none'})`,
      );
    }
    return attributes[attribute];
  }

  private parameter(name: string): unknown {
    const parameter = this.stack.template.Parameters?.[name];
    if (!parameter) throw new IntrinsicError(`Ref ${name}: no such resource or parameter`);
    if (parameter.Type.startsWith('AWS::SSM::Parameter')) {
      throw new IntrinsicError(`Ref ${name}: SSM parameters cannot be resolved locally`);
    }
    if (parameter.Default === undefined) throw new IntrinsicError(`Ref ${name}: parameter has no Default to use locally`);
    return parameter.Default;
  }

  private identity(logicalId: string): Identity {
    const known = this.identities.get(logicalId);
    if (known) return known;
    if (this.resolving.has(logicalId)) throw new IntrinsicError(`circular reference through ${logicalId}`);
    this.resolving.add(logicalId);
    try {
      const identity = this.computeIdentity(logicalId, this.resources[logicalId]!);
      this.identities.set(logicalId, identity);
      return identity;
    } finally {
      this.resolving.delete(logicalId);
    }
  }

  /** Physical names follow CloudFormation's `<stack>-<logicalId>` pattern, without its random suffix so restarts agree. */
  private generatedName(logicalId: string, maxLength: number): string {
    return `${this.stack.stackName}-${logicalId}`.slice(0, maxLength);
  }

  private nameProperty(logicalId: string, resource: CfnResource, property: string, maxLength: number): string {
    const value = resource.Properties?.[property];
    return value === undefined ? this.generatedName(logicalId, maxLength) : this.resolver.resolveString(value, `${logicalId}.${property}`);
  }

  private computeIdentity(logicalId: string, resource: CfnResource): Identity {
    const { region, accountId } = this.env;
    const arn = (service: string, resourcePart: string, withRegion = true) =>
      `arn:aws:${service}:${withRegion ? region : ''}:${accountId}:${resourcePart}`;
    switch (resource.Type) {
      case 'AWS::SQS::Queue': {
        if (resource.Properties?.FifoQueue === true || resource.Properties?.FifoQueue === 'true') {
          throw new TemplateError(`queue ${logicalId} is a FIFO queue; the local SQS emulates standard queues only`);
        }
        const name = this.nameProperty(logicalId, resource, 'QueueName', 80);
        const url = `${this.env.awsEndpointUrl}/${accountId}/${name}`;
        return { ref: url, attributes: { Arn: arn('sqs', name), QueueName: name, QueueUrl: url } };
      }
      case 'AWS::DynamoDB::Table': {
        const name = this.nameProperty(logicalId, resource, 'TableName', 255);
        return { ref: name, attributes: { Arn: arn('dynamodb', `table/${name}`), StreamArn: arn('dynamodb', `table/${name}/stream/local`) } };
      }
      case 'AWS::Events::EventBus': {
        const name = this.resolver.resolveString(resource.Properties?.Name, `${logicalId}.Name`);
        return { ref: name, attributes: { Arn: arn('events', `event-bus/${name}`), Name: name } };
      }
      case 'AWS::Events::Rule': {
        const name = this.nameProperty(logicalId, resource, 'Name', 64);
        const bus = this.ruleBusName(logicalId, resource);
        const qualified = bus === 'default' ? name : `${bus}/${name}`;
        return { ref: bus === 'default' ? name : `${bus}|${name}`, attributes: { Arn: arn('events', `rule/${qualified}`) } };
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = this.nameProperty(logicalId, resource, 'Name', 64);
        return { ref: name, attributes: { Arn: arn('scheduler', `schedule-group/${name}`) } };
      }
      case 'AWS::KMS::Key': {
        // A UUID-shaped id derived from the stack and the logical id, as stable as the resource itself.
        const hex = createHash('sha256').update(`${this.stack.stackName}/${logicalId}`).digest('hex');
        const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
        return { ref: keyId, attributes: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
      }
      case 'AWS::IAM::Role': {
        const name = this.nameProperty(logicalId, resource, 'RoleName', 64);
        const path = resource.Properties?.Path === undefined ? '/' : this.resolver.resolveString(resource.Properties.Path, `${logicalId}.Path`);
        return { ref: name, attributes: { Arn: arn('iam', `role${path}${name}`, false), RoleId: `AROA${logicalId.toUpperCase().slice(0, 17)}` } };
      }
      case 'AWS::Lambda::Function': {
        const name = this.nameProperty(logicalId, resource, 'FunctionName', 64);
        return { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
      }
      case 'AWS::Logs::LogGroup': {
        const name = this.nameProperty(logicalId, resource, 'LogGroupName', 512);
        return { ref: name, attributes: { Arn: arn('logs', `log-group:${name}:*`) } };
      }
      case 'AWS::ApiGatewayV2::Api':
        return { ref: 'local', attributes: { ApiEndpoint: this.env.apiUrl, ApiId: 'local' } };
      case 'AWS::ApiGatewayV2::Stage':
        return { ref: this.nameProperty(logicalId, resource, 'StageName', 128), attributes: {} };
      case 'AWS::CloudWatch::Alarm': {
        const name = this.nameProperty(logicalId, resource, 'AlarmName', 255);
        return { ref: name, attributes: { Arn: arn('cloudwatch', `alarm:${name}`) } };
      }
      // Resources whose Ref is an opaque id CloudFormation makes up.
      case 'AWS::Lambda::EventSourceMapping':
        return { ref: logicalId, attributes: { Id: logicalId } };
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Route':
      case 'AWS::IAM::Policy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::Lambda::Permission':
        return { ref: logicalId, attributes: {} };
      default:
        throw new IntrinsicError(`Ref/GetAtt of ${logicalId} (${resource.Type}) is not supported locally`);
    }
  }

  /** The local KMS emulates symmetric encryption keys and HMAC_256 keys, the kinds the stack declares. */
  private kmsKey(logicalId: string, resource: CfnResource): LocalKmsKeyConfig {
    const spec = resource.Properties?.KeySpec === undefined ? 'SYMMETRIC_DEFAULT' : this.resolver.resolveString(resource.Properties.KeySpec, `${logicalId}.KeySpec`);
    if (spec !== 'SYMMETRIC_DEFAULT' && spec !== 'HMAC_256') {
      throw new TemplateError(`KMS key ${logicalId} has KeySpec ${spec}; the local KMS emulates SYMMETRIC_DEFAULT and HMAC_256 keys`);
    }
    const keyId = String(this.ref(logicalId));
    return { keyId, arn: String(this.getAtt(logicalId, 'Arn')), keySpec: spec as LocalKeySpec };
  }

  private ruleBusName(logicalId: string, resource: CfnResource): string {
    const bus = resource.Properties?.EventBusName;
    if (bus === undefined) return 'default';
    const name = this.resolver.resolveString(bus, `${logicalId}.EventBusName`);
    // EventBusName may also be given as the bus ARN.
    return name.startsWith('arn:') ? name.slice(name.lastIndexOf('/') + 1) : name;
  }

  // --- resources ------------------------------------------------------------------------------

  private queue(logicalId: string, resource: CfnResource): LocalQueue {
    const properties = this.resolveProperties(logicalId, resource);
    const attributes = this.identity(logicalId).attributes;
    const name = String(attributes.QueueName);
    const config: QueueConfig = {
      name,
      ...optionalNumber(properties, 'VisibilityTimeout', 'visibilityTimeout', logicalId),
      ...optionalNumber(properties, 'DelaySeconds', 'delaySeconds', logicalId),
      ...optionalNumber(properties, 'MessageRetentionPeriod', 'messageRetentionPeriod', logicalId),
      ...optionalNumber(properties, 'ReceiveMessageWaitTimeSeconds', 'receiveMessageWaitTimeSeconds', logicalId),
      ...optionalNumber(properties, 'MaximumMessageSize', 'maximumMessageSize', logicalId),
    };
    if (properties.RedrivePolicy !== undefined) {
      const policy = (typeof properties.RedrivePolicy === 'string' ? JSON.parse(properties.RedrivePolicy) : properties.RedrivePolicy) as {
        deadLetterTargetArn?: unknown;
        maxReceiveCount?: unknown;
      };
      const targetArn = String(policy.deadLetterTargetArn);
      const target = this.queueByArn(targetArn);
      if (!target) throw new TemplateError(`queue ${logicalId}: dead-letter target ${targetArn} is not a queue of this stack`);
      const maxReceiveCount = Number(policy.maxReceiveCount);
      if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) {
        throw new TemplateError(`queue ${logicalId}: RedrivePolicy.maxReceiveCount must be a positive integer`);
      }
      config.redrive = { deadLetterTargetName: target, maxReceiveCount };
    }
    return { logicalId, name, url: String(attributes.QueueUrl), arn: String(attributes.Arn), config };
  }

  /** Queue name for an ARN of one of the stack's queues. */
  private queueByArn(arn: string): string | undefined {
    for (const { logicalId } of resourcesOfType({ Resources: this.resources }, 'AWS::SQS::Queue')) {
      const attributes = this.identity(logicalId).attributes;
      if (attributes.Arn === arn) return String(attributes.QueueName);
    }
    return undefined;
  }

  private table(logicalId: string, resource: CfnResource): LocalTable {
    const properties = this.resolveProperties(logicalId, resource);
    const tableName = String(this.ref(logicalId));
    const billingMode = (properties.BillingMode as CreateTableCommandInput['BillingMode']) ?? 'PROVISIONED';
    const pick = (index: Record<string, unknown>) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      ...(billingMode === 'PROVISIONED' && index.ProvisionedThroughput ? { ProvisionedThroughput: index.ProvisionedThroughput } : {}),
    });
    const stream = properties.StreamSpecification as { StreamViewType?: string } | undefined;
    const createTable = {
      TableName: tableName,
      AttributeDefinitions: properties.AttributeDefinitions,
      KeySchema: properties.KeySchema,
      BillingMode: billingMode,
      ...(properties.ProvisionedThroughput ? { ProvisionedThroughput: properties.ProvisionedThroughput } : {}),
      ...(Array.isArray(properties.GlobalSecondaryIndexes) ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes.map(pick) } : {}),
      ...(Array.isArray(properties.LocalSecondaryIndexes) ? { LocalSecondaryIndexes: properties.LocalSecondaryIndexes.map(pick) } : {}),
      ...(stream?.StreamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } } : {}),
    } as CreateTableCommandInput;
    if (!Array.isArray(createTable.KeySchema) || !Array.isArray(createTable.AttributeDefinitions)) {
      throw new TemplateError(`table ${logicalId} has no KeySchema or AttributeDefinitions`);
    }
    const ttl = properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    return {
      logicalId,
      tableName,
      createTable,
      ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName } : {}),
      ...(stream?.StreamViewType ? { streamArn: String(this.getAtt(logicalId, 'StreamArn')) } : {}),
    };
  }

  private buses(template: { Resources: Record<string, CfnResource> }, queues: LocalQueue[]): BusConfig[] {
    const buses = new Map<string, BusConfig>();
    for (const { logicalId } of resourcesOfType(template, 'AWS::Events::EventBus')) {
      const busName = String(this.ref(logicalId));
      buses.set(busName, { busName, rules: [] });
    }
    for (const { logicalId, resource } of resourcesOfType(template, 'AWS::Events::Rule')) {
      const rule = this.rule(logicalId, resource, queues);
      if (!rule) continue;
      const busName = this.ruleBusName(logicalId, resource);
      const bus = buses.get(busName) ?? { busName, rules: [] };
      bus.rules.push(rule);
      buses.set(busName, bus);
    }
    return [...buses.values()];
  }

  private rule(logicalId: string, resource: CfnResource, queues: LocalQueue[]): RuleConfig | undefined {
    const properties = this.resolveProperties(logicalId, resource);
    if (properties.State !== undefined && properties.State !== 'ENABLED') return undefined;
    if (properties.ScheduleExpression !== undefined) {
      throw new TemplateError(`rule ${logicalId}: scheduled rules (ScheduleExpression) are not supported by the local run`);
    }
    const rawPattern = typeof properties.EventPattern === 'string' ? (JSON.parse(properties.EventPattern) as unknown) : properties.EventPattern;
    const name = String(this.ref(logicalId)).split('|').pop() ?? logicalId;
    // Compiled here too, so an unsupported operator names the rule's logical id at start.
    compileEventPattern(rawPattern, { label: `rule ${name} (${logicalId}): EventPattern`, limits: false });
    const targets = (Array.isArray(properties.Targets) ? properties.Targets : []).map((target: Record<string, unknown>) => {
      const id = String(target.Id);
      for (const unsupported of ['Input', 'InputPath', 'InputTransformer']) {
        if (target[unsupported] !== undefined) {
          throw new TemplateError(`rule ${logicalId} target ${id}: ${unsupported} is not supported by the local run`);
        }
      }
      const queue = queues.find((candidate) => candidate.arn === target.Arn);
      if (!queue) throw new TemplateError(`rule ${logicalId} target ${id}: only SQS queues of this stack are supported locally, got ${String(target.Arn)}`);
      const groupId = this.targetMessageGroupId(logicalId, id, target.SqsParameters);
      const local: RuleTargetConfig = { id, queueName: queue.name, ...(groupId === undefined ? {} : { messageGroupId: groupId }) };
      // Where EventBridge puts an event whose send to the target failed (RetryPolicy is not
      // emulated: a local send that fails, fails for good, e.g. a message over the queue's size).
      const deadLetterArn = (target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
      if (deadLetterArn === undefined) return local;
      const deadLetterQueue = queues.find((candidate) => candidate.arn === deadLetterArn);
      if (!deadLetterQueue) {
        throw new TemplateError(`rule ${logicalId} target ${id}: the dead-letter queue must be an SQS queue of this stack, got ${String(deadLetterArn)}`);
      }
      return { ...local, deadLetterQueueName: deadLetterQueue.name };
    });
    return { name, eventPattern: rawPattern as Record<string, unknown>, targets };
  }

  /** A target's SqsParameters.MessageGroupId (the fair-queue tenant): a static value or a dynamic path the engine can read. */
  private targetMessageGroupId(logicalId: string, targetId: string, sqsParameters: unknown): string | undefined {
    const groupId = (sqsParameters as { MessageGroupId?: unknown } | undefined)?.MessageGroupId;
    if (groupId === undefined) return undefined;
    try {
      if (typeof groupId !== 'string') throw new Error(`MessageGroupId must be a string, got ${JSON.stringify(groupId)}`);
      parseDynamicPath(groupId);
    } catch (error) {
      throw new TemplateError(`rule ${logicalId} target ${targetId}: SqsParameters ${(error as Error).message}`);
    }
    return groupId;
  }

  private lambdaFunction(logicalId: string, resource: CfnResource): LocalFunction {
    const properties = this.resolveProperties(logicalId, resource);
    const runtime = String(properties.Runtime ?? '');
    if (properties.PackageType === 'Image' || !runtime.startsWith('nodejs')) {
      throw new TemplateError(`function ${logicalId}: only Node.js zip functions run locally (Runtime ${runtime || 'none'})`);
    }
    if (Array.isArray(properties.Layers) && properties.Layers.length > 0) {
      throw new TemplateError(`function ${logicalId}: Lambda layers are not supported by the local run`);
    }
    const code = (properties.Code ?? {}) as { S3Key?: unknown };
    const metadataPath = resource.Metadata?.['aws:asset:path'];
    const codeDir =
      (typeof code.S3Key === 'string' ? this.stack.assetDirs.get(code.S3Key) : undefined) ??
      (typeof metadataPath === 'string' ? `${this.stack.cdkOutDir}/${metadataPath}` : undefined);
    if (!codeDir) throw new TemplateError(`function ${logicalId}: Code.S3Key ${String(code.S3Key)} is not an asset of ${this.stack.cdkOutDir}`);
    const functionName = String(this.ref(logicalId));
    const variables = ((properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const logging = properties.LoggingConfig as { LogGroup?: unknown } | undefined;
    const reserved = properties.ReservedConcurrentExecutions;
    return {
      logicalId,
      label: constructLabel(logicalId, resource),
      functionName,
      arn: String(this.getAtt(logicalId, 'Arn')),
      codeDir,
      handler: String(properties.Handler ?? ''),
      runtime,
      timeoutSeconds: Number(properties.Timeout ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS),
      memoryMb: Number(properties.MemorySize ?? LAMBDA_DEFAULT_MEMORY_MB),
      logGroupName: typeof logging?.LogGroup === 'string' ? logging.LogGroup : `/aws/lambda/${functionName}`,
      ...(reserved !== undefined ? { reservedConcurrency: Number(reserved) } : {}),
      environment: Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, String(value)])),
    };
  }

  private eventSourceMapping(
    logicalId: string,
    resource: CfnResource,
    queues: LocalQueue[],
    functions: LocalFunction[],
  ): LocalEventSourceMapping {
    const properties = this.resolveProperties(logicalId, resource);
    const queue = queues.find((candidate) => candidate.arn === properties.EventSourceArn);
    if (!queue) {
      throw new TemplateError(`event source mapping ${logicalId}: only SQS queues of this stack are supported locally, got ${String(properties.EventSourceArn)}`);
    }
    if (properties.FilterCriteria !== undefined) {
      throw new TemplateError(`event source mapping ${logicalId}: FilterCriteria is not supported by the local run`);
    }
    const fn = this.mappingFunction(logicalId, properties, functions);
    const responseTypes = Array.isArray(properties.FunctionResponseTypes) ? properties.FunctionResponseTypes : [];
    const scaling = properties.ScalingConfig as { MaximumConcurrency?: unknown } | undefined;
    return {
      logicalId,
      functionLogicalId: fn.logicalId,
      queue,
      batchSize: Number(properties.BatchSize ?? SQS_DEFAULT_BATCH_SIZE),
      maximumBatchingWindowSeconds: Number(properties.MaximumBatchingWindowInSeconds ?? 0),
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      ...(scaling?.MaximumConcurrency !== undefined ? { maximumConcurrency: Number(scaling.MaximumConcurrency) } : {}),
      enabled: properties.Enabled === undefined || properties.Enabled === true || properties.Enabled === 'true',
    };
  }

  /** FunctionName may be a name, an ARN, or an ARN with a version or alias. */
  private mappingFunction(logicalId: string, properties: Record<string, unknown>, functions: LocalFunction[]): LocalFunction {
    const target = String(properties.FunctionName);
    const fn = functions.find((candidate) => candidate.functionName === target || candidate.arn === target || target.startsWith(`${candidate.arn}:`));
    if (!fn) throw new TemplateError(`event source mapping ${logicalId}: function ${target} is not a function of this stack`);
    return fn;
  }

  private streamEventSourceMapping(
    logicalId: string,
    resource: CfnResource,
    tables: LocalTable[],
    queues: LocalQueue[],
    functions: LocalFunction[],
  ): LocalStreamEventSourceMapping {
    const properties = this.resolveProperties(logicalId, resource);
    const fail = (message: string) => new TemplateError(`event source mapping ${logicalId}: ${message}`);
    const table = tables.find((candidate) => candidate.streamArn === properties.EventSourceArn)!;
    const startingPosition = properties.StartingPosition;
    if (startingPosition !== 'LATEST' && startingPosition !== 'TRIM_HORIZON') {
      throw fail(`StartingPosition ${String(startingPosition)} is not supported by the local run (LATEST or TRIM_HORIZON)`);
    }
    if (properties.ParallelizationFactor !== undefined && Number(properties.ParallelizationFactor) !== 1) {
      throw fail('ParallelizationFactor other than 1 is not supported by the local run');
    }
    for (const unsupported of ['TumblingWindowInSeconds', 'StartingPositionTimestamp', 'KMSKeyArn']) {
      if (properties[unsupported] !== undefined) throw fail(`${unsupported} is not supported by the local run`);
    }
    if (properties.MaximumRecordAgeInSeconds !== undefined && Number(properties.MaximumRecordAgeInSeconds) !== -1) {
      throw fail('MaximumRecordAgeInSeconds is not supported by the local run (records never age out locally)');
    }
    const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
    const onFailureQueue = destination === undefined ? undefined : queues.find((candidate) => candidate.arn === destination);
    if (destination !== undefined && !onFailureQueue) throw fail(`the on-failure destination must be an SQS queue of this stack, got ${String(destination)}`);
    const responseTypes = Array.isArray(properties.FunctionResponseTypes) ? properties.FunctionResponseTypes : [];
    return {
      logicalId,
      functionLogicalId: this.mappingFunction(logicalId, properties, functions).logicalId,
      table,
      eventSourceArn: table.streamArn!,
      startingPosition,
      batchSize: Number(properties.BatchSize ?? STREAM_DEFAULT_BATCH_SIZE),
      maximumBatchingWindowSeconds: Number(properties.MaximumBatchingWindowInSeconds ?? 0),
      filterPatterns: this.streamFilterPatterns(logicalId, properties.FilterCriteria),
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      bisectBatchOnFunctionError: properties.BisectBatchOnFunctionError === true || properties.BisectBatchOnFunctionError === 'true',
      maximumRetryAttempts: Number(properties.MaximumRetryAttempts ?? -1),
      ...(onFailureQueue ? { onFailureQueue } : {}),
      enabled: properties.Enabled === undefined || properties.Enabled === true || properties.Enabled === 'true',
    };
  }

  /** Each pattern compiled here once, so an operator the local matcher lacks stops the start, naming the mapping. */
  private streamFilterPatterns(logicalId: string, criteria: unknown): Record<string, unknown>[] {
    if (criteria === undefined) return [];
    const filters = (criteria as { Filters?: unknown }).Filters;
    if (!Array.isArray(filters)) throw new TemplateError(`event source mapping ${logicalId}: FilterCriteria.Filters must be a list`);
    return filters.map((filter: { Pattern?: unknown }, index) => {
      const label = `event source mapping ${logicalId} filter ${index + 1}`;
      let pattern: unknown;
      try {
        pattern = typeof filter?.Pattern === 'string' ? JSON.parse(filter.Pattern) : undefined;
      } catch {
        throw new TemplateError(`${label}: Pattern is not JSON`);
      }
      if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) throw new TemplateError(`${label}: Pattern must be a JSON object`);
      const outside = Object.keys(pattern).filter((key) => !STREAM_FILTER_KEYS.has(key));
      if (outside.length > 0) throw new TemplateError(`${label}: DynamoDB stream filters may only match the dynamodb key, not ${outside.join(', ')}`);
      try {
        compileEventPattern(pattern, { label: `${label}: Pattern`, limits: false });
      } catch (error) {
        if (error instanceof EventPatternError) throw new TemplateError(error.message);
        throw error;
      }
      return pattern as Record<string, unknown>;
    });
  }

  private routes(template: { Resources: Record<string, CfnResource> }, functions: LocalFunction[]): LocalRoute[] {
    const apis = resourcesOfType(template, 'AWS::ApiGatewayV2::Api');
    if (apis.length === 0) return [];
    if (apis.length > 1) throw new TemplateError(`the local run serves one HTTP API; the template has ${apis.length}`);
    const [api] = apis;
    const apiProperties = this.resolveProperties(api!.logicalId, api!.resource);
    if (apiProperties.ProtocolType !== 'HTTP') {
      throw new TemplateError(`API ${api!.logicalId}: only HTTP APIs are supported locally (ProtocolType ${String(apiProperties.ProtocolType)})`);
    }
    if (apiProperties.Target !== undefined) throw new TemplateError(`API ${api!.logicalId}: quick-create Target is not supported locally`);
    return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(({ logicalId, resource }) => {
      const properties = this.resolveProperties(logicalId, resource);
      const routeKey = String(properties.RouteKey);
      const authorization = properties.AuthorizationType ?? 'NONE';
      if (authorization !== 'NONE') {
        throw new TemplateError(`route ${routeKey}: AuthorizationType ${String(authorization)} is not supported locally`);
      }
      const match = /^integrations\/(.+)$/.exec(String(properties.Target ?? ''));
      if (!match) throw new TemplateError(`route ${routeKey} has no integration target`);
      const integrationId = match[1]!;
      const integration = this.resources[integrationId];
      if (integration?.Type !== 'AWS::ApiGatewayV2::Integration') {
        throw new TemplateError(`route ${routeKey}: integration ${integrationId} is not in the template`);
      }
      return { routeKey, functionLogicalId: this.integrationFunction(integrationId, integration, functions).logicalId };
    });
  }

  private integrationFunction(logicalId: string, resource: CfnResource, functions: LocalFunction[]): LocalFunction {
    const properties = this.resolveProperties(logicalId, resource);
    if (properties.IntegrationType !== 'AWS_PROXY') {
      throw new TemplateError(`integration ${logicalId}: only AWS_PROXY (Lambda) integrations are supported locally`);
    }
    if (properties.PayloadFormatVersion !== '2.0') {
      throw new TemplateError(`integration ${logicalId}: only payload format 2.0 is supported locally (got ${String(properties.PayloadFormatVersion)})`);
    }
    const uri = String(properties.IntegrationUri);
    // Either the function ARN or the apigateway `.../functions/<arn>/invocations` form.
    const functionArn = /\/functions\/(.+)\/invocations$/.exec(uri)?.[1] ?? uri;
    const fn = functions.find((candidate) => candidate.arn === functionArn || functionArn.startsWith(`${candidate.arn}:`));
    if (!fn) throw new TemplateError(`integration ${logicalId}: ${uri} is not a function of this stack`);
    return fn;
  }

  private outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.stack.template.Outputs ?? {})) {
      if (output.Condition && !this.resolver.condition(output.Condition)) continue;
      try {
        outputs[name] = this.resolver.resolveString(output.Value, `output ${name}`);
      } catch (error) {
        if (!(error instanceof IntrinsicError)) throw error;
        this.warnings.push(`stack output ${name} does not resolve locally: ${error.message}`);
      }
    }
    return outputs;
  }

  private notEmulated(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const resource of Object.values(this.resources)) {
      if (EMULATED.has(resource.Type)) continue;
      counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
      if (counts[resource.Type] === 1 && !NOT_EMULATED.has(resource.Type)) this.warnings.push(`resource type ${resource.Type} is not known to the local run and is ignored`);
    }
    return counts;
  }

  private resolveProperties(logicalId: string, resource: CfnResource): Record<string, unknown> {
    return (this.resolver.resolve(resource.Properties ?? {}, logicalId) ?? {}) as Record<string, unknown>;
  }
}

function optionalNumber<K extends string>(
  properties: Record<string, unknown>,
  property: string,
  key: K,
  logicalId: string,
): Partial<Record<K, number>> {
  const value = properties[property];
  if (value === undefined) return {};
  const number = Number(value);
  if (!Number.isFinite(number)) throw new TemplateError(`queue ${logicalId}: ${property} must be a number, got ${JSON.stringify(value)}`);
  return { [key]: number } as Partial<Record<K, number>>;
}
