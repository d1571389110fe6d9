// cdk-nag's AwsSolutions pack over the standalone stack, as `Validations.of(app).addPlugins` runs it
// during synthesis: no finding may be left unacknowledged, and each acknowledgement says why.
import { App, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { WebhooksStack, type WebhooksStackProps } from '../../lib/webhooks-stack';

/** The findings that are the design; anything else must be fixed, not acknowledged. */
const BY_DESIGN_RULES = ['AwsSolutions-APIG4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3'];

interface Acknowledged {
  readonly path: string;
  readonly id: string;
  readonly reason: unknown;
}

function nagApp(props: WebhooksStackProps): { app: App; stack: WebhooksStack; checks: AwsSolutionsChecks } {
  // Bundling is not what cdk-nag checks; skipping it keeps the synth fast.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new WebhooksStack(app, 'GeoRedirWebhooks', props);
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  return { app, stack, checks };
}

/** Every acknowledgement recorded in the tree under `root`. */
function acknowledgements(root: IConstruct): Acknowledged[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe.each([
  ['env-agnostic, as `cdk synth` without credentials', {}],
  ['with an account, a region and a named schedule group', { env: { account: '123456789012', region: 'eu-west-1' }, scheduleGroupName: 'hooks-retries' }],
])('AwsSolutions on the stack %s', (_label, props: WebhooksStackProps) => {
  let nag: ReturnType<typeof nagApp>;
  beforeAll(() => {
    nag = nagApp(props);
  });

  test('reports no unacknowledged finding', () => {
    const report = nag.checks.validateScope(nag.app);
    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('synthesizes with the pack registered through Validations (a finding would stop the synth)', () => {
    expect(() => nag.app.synth()).not.toThrow();
  });

  test('acknowledges only the by-design rules, each on its own resources and with a written reason', () => {
    const acknowledged = acknowledgements(nag.stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) {
      expect(BY_DESIGN_RULES).toContain(id.replace(/\[.*$/s, ''));
      expect(typeof reason === 'string' ? reason.length : 0).toBeGreaterThan(40);
      // Never stack-wide: an acknowledgement on the whole stack would also hide future findings.
      expect(path).not.toBe(nag.stack.node.path);
    }
    // Wildcards: the retry schedule group only, on the two function roles (the table grants name gsi1, not index/*).
    const wildcards = acknowledged.filter(({ id }) => id.startsWith('AwsSolutions-IAM5'));
    expect(wildcards.map(({ path }) => path.split('/').pop()).sort()).toEqual(['DispatcherFunctionServiceRole', 'ManagementFunctionServiceRole']);
    for (const { id } of wildcards) expect(id).toMatch(/:schedule\/[^/]+\/\*\]$/);
  });

  test('every acknowledgement silences a finding the pack really reports (none is stale)', () => {
    const findings = findingsIgnoringAcknowledgements(nag.checks, nag.app);
    const acknowledged = acknowledgements(nag.stack);
    for (const { path, id } of acknowledged) {
      expect(findings).toContainEqual(expect.objectContaining({ id, path: expect.stringContaining(path) }));
    }
    // And nothing outside them: every finding is covered by one.
    for (const finding of findings) {
      expect(acknowledged.some(({ path, id }) => id === finding.id && finding.path.startsWith(path))).toBe(true);
    }
  });
});

test('the pack still catches what the design does not cover', () => {
  // A wildcard grant nobody acknowledged: the same check must report it.
  const { app, stack, checks } = nagApp({});
  stack.webhooks.dispatcherFunction.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));
  const report = checks.validateScope(app);
  expect(report.violations.map((violation) => violation.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
});

/**
 * What the pack reports when no acknowledgement is honoured: cdk-nag looks acknowledgements up
 * under Validations.ACKNOWLEDGED_RULES_METADATA_KEY, so pointing that key elsewhere for one run
 * shows the findings they silence.
 */
function findingsIgnoringAcknowledgements(checks: AwsSolutionsChecks, app: App): { id: string; path: string }[] {
  const key = Object.getOwnPropertyDescriptor(Validations, 'ACKNOWLEDGED_RULES_METADATA_KEY');
  Object.defineProperty(Validations, 'ACKNOWLEDGED_RULES_METADATA_KEY', { value: 'test:nothing-acknowledged', configurable: true });
  try {
    return checks.validateScope(app).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({ id: violation.ruleName, path: resource.constructPath ?? '' })),
    );
  } finally {
    Object.defineProperty(Validations, 'ACKNOWLEDGED_RULES_METADATA_KEY', key!);
  }
}
