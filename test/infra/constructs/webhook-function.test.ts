// The shared function defaults, and which of them a caller may change.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

test('bundles minified, with source maps that carry mappings but not the sources', () => {
  // Bundling really runs here (local esbuild): a tiny entry keeps it quick.
  const outdir = mkdtempSync(path.join(tmpdir(), 'webhook-function-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundled');
    new WebhookFunction(stack, 'Tiny', { entry: path.join(__dirname, '..', '..', '..', 'lambdas', 'domain', 'payload.ts'), serviceName: 'tiny' });
    const assembly = app.synth();
    const assetDir = readdirSync(assembly.directory).find((name) => name.startsWith('asset.'));
    if (!assetDir) throw new Error('no bundled asset');
    const code = readFileSync(path.join(assembly.directory, assetDir, 'index.js'), 'utf8');
    const map = JSON.parse(readFileSync(path.join(assembly.directory, assetDir, 'index.js.map'), 'utf8')) as Record<string, unknown>;
    expect(code).toContain('sourceMappingURL=index.js.map');
    expect(code.split('\n').length).toBeLessThanOrEqual(3); // minified
    expect(map.sources).toEqual(expect.arrayContaining([expect.stringMatching(/lambdas\/domain\/payload\.ts$/)]));
    expect(typeof map.mappings).toBe('string');
    expect(map.sourcesContent).toBeUndefined();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
