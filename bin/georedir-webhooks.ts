#!/usr/bin/env node
// The CDK app: the standalone webhook stack, configured from CDK context.
import { App } from 'aws-cdk-lib';
import { WebhooksStack, webhookPropsFromContext } from '../lib/webhooks-stack';

const app = new App();
new WebhooksStack(app, 'GeoRedirWebhooks', {
  description: 'GeoRedir Webhooks: signed, retried webhook delivery',
  // Left undefined when the CLI has no credentials, so the stack still synthesizes offline.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...webhookPropsFromContext(app.node),
});
