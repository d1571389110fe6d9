// Reads IAM statements out of a synthesized template, so tests can assert least privilege.
import type { Template } from 'aws-cdk-lib/assertions';

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

interface PolicyResource {
  readonly Properties: {
    readonly Roles?: { Ref: string }[];
    readonly PolicyDocument: { Statement: Statement[] };
  };
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** Every statement of every AWS::IAM::Policy in the template. */
export function allPolicyStatements(template: Template): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>;
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** The identity-policy statements attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>;
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles ?? []).some((role) => role.Ref === roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** The statements allowing `action`, to check what it is allowed on. */
export function statementsAllowing(statements: Statement[], action: string): Statement[] {
  return statements.filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action));
}

/** The logical id of the one resource of `type` whose logical id starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`Expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}
