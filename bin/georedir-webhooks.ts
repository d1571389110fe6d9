#!/usr/bin/env node
// The CDK app: the standalone webhook stack, configured from CDK context.
import { App, Duration } from 'aws-cdk-lib';
import { WebhooksStack, webhookPropsFromContext } from '../lib/webhooks-stack';

const app = new App();

/**
 * `-c georedir-webhooks:dispatcherBatchingWindowSeconds=0`: how long the SQS event source gathers a
 * batch (the construct's maxBatchingWindow, 1 s by default). The bench sets 0 to measure latency.
 */
const BATCHING_WINDOW_CONTEXT = 'georedir-webhooks:dispatcherBatchingWindowSeconds';
const batchingWindow: unknown = app.node.tryGetContext(BATCHING_WINDOW_CONTEXT);
const batchingWindowSeconds = batchingWindow === undefined ? undefined : Number(batchingWindow);
if (batchingWindowSeconds !== undefined && !(Number.isInteger(batchingWindowSeconds) && batchingWindowSeconds >= 0 && batchingWindowSeconds <= 300)) {
  throw new Error(`Context ${BATCHING_WINDOW_CONTEXT} must be a whole number of seconds from 0 to 300, got ${JSON.stringify(batchingWindow)}`);
}
new WebhooksStack(app, 'GeoRedirWebhooks', {
  description: 'GeoRedir Webhooks: signed, retried webhook delivery',
  // Left undefined when the CLI has no credentials, so the stack still synthesizes offline.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...webhookPropsFromContext(app.node),
  ...(batchingWindowSeconds !== undefined ? { maxBatchingWindow: Duration.seconds(batchingWindowSeconds) } : {}),
});
