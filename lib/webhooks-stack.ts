import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct, Node } from 'constructs';
import { WebhookDelivery, type WebhookDeliveryProps } from './webhook-delivery';

export interface WebhooksStackProps extends StackProps, WebhookDeliveryProps {}

/** The delivery service on its own, with the outputs producers, the CLI and the local run read. */
export class WebhooksStack extends Stack {
  public readonly webhooks: WebhookDelivery;

  constructor(scope: Construct, id: string, props: WebhooksStackProps = {}) {
    super(scope, id, props);
    this.webhooks = new WebhookDelivery(this, 'Webhooks', props);

    const outputs: Record<string, [value: string, description: string]> = {
      EventBusName: [this.webhooks.eventBus.eventBusName, 'Bus producers PutEvents to'],
      EventSource: [this.webhooks.eventSource, 'Source producers publish with'],
      ApiUrl: [this.webhooks.apiUrl, 'Base URL of the management API'],
      TableName: [this.webhooks.table.tableName, 'DynamoDB table of accounts, endpoints and delivery logs'],
      DispatchQueueUrl: [this.webhooks.dispatchQueue.queueUrl, 'Queue of producer events the dispatcher consumes'],
      DispatchQueueName: [this.webhooks.dispatchQueue.queueName, 'Queue of producer events the dispatcher consumes'],
      RetryQueueUrl: [this.webhooks.retryQueue.queueUrl, 'Queue of retries and redeliveries the dispatcher consumes'],
      RetryQueueName: [this.webhooks.retryQueue.queueName, 'Queue of retries and redeliveries the dispatcher consumes'],
      DispatchDeadLetterQueueName: [
        this.webhooks.dispatchDeadLetterQueue.queueName,
        'Dispatch and retry messages that failed every receive',
      ],
      RuleDeadLetterQueueUrl: [
        this.webhooks.ruleDeadLetterQueue.queueUrl,
        'Events EventBridge could not put on the dispatch queue (npm run admin -- rejected lists them)',
      ],
      RuleDeadLetterQueueName: [
        this.webhooks.ruleDeadLetterQueue.queueName,
        'Events EventBridge could not put on the dispatch queue (npm run admin -- rejected lists them)',
      ],
      SchedulerDeadLetterQueueName: [
        this.webhooks.schedulerDeadLetterQueue.queueName,
        'Long-delay retries EventBridge Scheduler could not put on the retry queue',
      ],
      ScheduleGroupName: [this.webhooks.scheduleGroupName, 'EventBridge Scheduler group of long-delay retries'],
      CountsDeadLetterQueueName: [
        this.webhooks.countsDeadLetterQueue.queueName,
        'Stream batches the counts aggregator gave up on (the portal chart misses them)',
      ],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, id, { value, description });
    }
  }
}

/** CDK context keys the app reads (`cdk synth -c georedir-webhooks:eventSource=...` or cdk.json). */
export const CONTEXT_KEYS = {
  eventSource: 'georedir-webhooks:eventSource',
  eventBusName: 'georedir-webhooks:eventBusName',
  retryScheduleSeconds: 'georedir-webhooks:retryScheduleSeconds',
  allowPrivateEndpoints: 'georedir-webhooks:allowPrivateEndpoints',
  portalFrameAncestors: 'georedir-webhooks:portalFrameAncestors',
} as const;

/** Reads the construct's settings from CDK context; absent keys leave the construct's defaults. */
export function webhookPropsFromContext(node: Node): WebhookDeliveryProps {
  return {
    eventSource: optionalString(node, CONTEXT_KEYS.eventSource),
    eventBusName: optionalString(node, CONTEXT_KEYS.eventBusName),
    // cdk.json may hold a number list or a string; `-c` always passes a string.
    retryScheduleSeconds: optionalString(node, CONTEXT_KEYS.retryScheduleSeconds),
    allowPrivateEndpoints: optionalBoolean(node, CONTEXT_KEYS.allowPrivateEndpoints),
    // cdk.json may hold a list; `-c` passes one string, sources separated by spaces or commas.
    portalFrameAncestors: optionalList(node, CONTEXT_KEYS.portalFrameAncestors),
  };
}

function optionalList(node: Node, key: string): string[] | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value as string[];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((entry) => entry !== '');
  throw new Error(`Context ${key} must be a list of strings or one string, got ${JSON.stringify(value)}`);
}

function optionalString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new Error(`Context ${key} must be a string, got ${JSON.stringify(value)}`);
}

function optionalBoolean(node: Node, key: string): boolean | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
}
