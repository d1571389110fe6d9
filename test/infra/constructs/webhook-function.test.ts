// The shared function defaults, and which of them a caller may change.
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { WebhookFunction } from '../../../lib/constructs/webhook-function';

const ENTRY = path.join(__dirname, '..', '..', '..', 'lambdas', 'api', 'handler.ts');

let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Functions');
  new WebhookFunction(stack, 'Defaults', { entry: ENTRY, serviceName: 'defaults' });
  new WebhookFunction(stack, 'Custom', {
    entry: ENTRY,
    serviceName: 'custom',
    memorySize: 1024,
    timeout: Duration.seconds(10),
    logRetention: RetentionDays.ONE_WEEK,
    environment: { EXTRA: 'yes', POWERTOOLS_SERVICE_NAME: 'overridden' },
  });
  template = Template.fromStack(stack);
});

const functionNamed = (prefix: string) => {
  const entry = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix));
  if (!entry) throw new Error(`no function ${prefix}`);
  return entry[1].Properties;
};
const retentionOf = (properties: { LoggingConfig: { LogGroup: { Ref: string } } }) =>
  template.findResources('AWS::Logs::LogGroup')[properties.LoggingConfig.LogGroup.Ref]?.Properties.RetentionInDays;

test('defaults: Node.js 22, arm64, 256 MB, 30 s, source maps, Powertools names, one-month logs', () => {
  const properties = functionNamed('Defaults');
  expect(properties).toMatchObject({
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    MemorySize: 256,
    Timeout: 30,
    Environment: {
      Variables: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'defaults',
        POWERTOOLS_METRICS_NAMESPACE: 'GeoRedirWebhooks',
      },
    },
  });
  expect(retentionOf(properties)).toBe(30);
  template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
});

test('memory, timeout, retention and environment can be changed; runtime and architecture cannot', () => {
  const properties = functionNamed('Custom');
  expect(properties).toMatchObject({
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    MemorySize: 1024,
    Timeout: 10,
    Environment: { Variables: { EXTRA: 'yes', POWERTOOLS_SERVICE_NAME: 'overridden' } },
  });
  expect(retentionOf(properties)).toBe(7);
});

test('every function writes to its own log group', () => {
  template.resourceCountIs('AWS::Logs::LogGroup', 2);
  template.allResourcesProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Match.anyValue() } } });
});
