// Records every item a DynamoDB client touches, as IAM sees the request: the action (PutItem,
// PartiQLInsert for an INSERT, each part of a transaction), table or index, the partition keys
// (dynamodb:LeadingKeys; an index's own for a query of it) and the attributes a write names
// (dynamodb:Attributes); then checks each against a role's grants (lib/table-access.ts). The
// integration tests attach it to the dispatcher's and the management API's clients, so a key the
// code uses that its role's policy would refuse in AWS fails a test here instead.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { grantPatterns, type TableGrant } from '../../lib/table-access';
import { GSI1, GSI1PK, PK } from '../../lambdas/adapters/table-keys';

export interface TableAccess {
  /** The SDK command, e.g. TransactWriteItemsCommand. */
  readonly command: string;
  /** The IAM action, e.g. dynamodb:UpdateItem. */
  readonly action: string;
  /** A query of gsi1. */
  readonly index: boolean;
  readonly leadingKeys: readonly string[];
  /** Top-level attributes a write or its condition names (key attributes included); undefined for reads. */
  readonly attributes?: readonly string[];
  readonly returnValues?: string;
}

type Input = Record<string, unknown>;

/** Expression words that are not attribute names. */
const EXPRESSION_WORDS = new Set([
  'SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN',
  'attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size', 'if_not_exists', 'list_append',
]);

/** A key value as the document client or the raw client carries it. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { S?: unknown }).S === 'string') return (value as { S: string }).S;
  return undefined;
}

function partitionKeyOf(key: unknown): string {
  return text((key as Input | undefined)?.[PK]) ?? '<none>';
}

/** Attribute names an expression uses: #placeholders resolved, bare names as they are. */
function expressionAttributes(expression: unknown, names: unknown): string[] {
  if (typeof expression !== 'string') return [];
  const resolved = (names ?? {}) as Record<string, string>;
  const found: string[] = [];
  for (const token of expression.replace(/:[A-Za-z0-9_]+/g, ' ').matchAll(/#?[A-Za-z_][A-Za-z0-9_]*/g)) {
    const word = token[0];
    if (word.startsWith('#')) found.push(resolved[word] ?? word);
    else if (!EXPRESSION_WORDS.has(word)) found.push(word);
  }
  return found;
}

function writeAccess(command: string, action: string, input: Input, keyAttributes: readonly string[]): TableAccess {
  const attributes = new Set([
    ...keyAttributes,
    ...expressionAttributes(input.UpdateExpression, input.ExpressionAttributeNames),
    ...expressionAttributes(input.ConditionExpression, input.ExpressionAttributeNames),
  ]);
  return {
    command,
    action,
    index: false,
    leadingKeys: [partitionKeyOf(input.Key ?? input.Item)],
    attributes: [...attributes],
    ...(typeof input.ReturnValues === 'string' ? { returnValues: input.ReturnValues } : {}),
  };
}

/** The partition key value a query's key condition names (the index's own for an index query). */
function queriedPartition(input: Input): string {
  const attribute = input.IndexName === GSI1 ? GSI1PK : PK;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  for (const [, name, placeholder] of String(input.KeyConditionExpression ?? '').matchAll(/(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
    if ((names[name!] ?? name) === attribute) return text(values[placeholder!]) ?? '<none>';
  }
  return '<none>';
}

/** One PartiQL statement's partition key: INSERT INTO "t" VALUE {'pk':?,...} with its parameters in order. */
function statementAccess(command: string, statement: Input): TableAccess {
  const sql = String(statement.Statement ?? '');
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  const action = `dynamodb:PartiQL${verb.charAt(0)}${verb.slice(1).toLowerCase()}`;
  const names = [...sql.matchAll(/'((?:[^']|'')*)'\s*:\s*\?/g)].map((match) => match[1]!.replaceAll("''", "'"));
  const parameters = (statement.Parameters ?? []) as unknown[];
  return { command, action, index: false, leadingKeys: [text(parameters[names.indexOf(PK)]) ?? '<none>'], attributes: names };
}

/** What IAM authorizes for one SDK command. */
export function accessesOf(command: string, input: Input): TableAccess[] {
  switch (command) {
    case 'GetItemCommand':
      return [{ command, action: 'dynamodb:GetItem', index: false, leadingKeys: [partitionKeyOf(input.Key)] }];
    case 'BatchGetItemCommand': {
      const tables = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>);
      return [{ command, action: 'dynamodb:BatchGetItem', index: false, leadingKeys: tables.flatMap((table) => (table.Keys ?? []).map(partitionKeyOf)) }];
    }
    case 'QueryCommand':
      return [{ command, action: 'dynamodb:Query', index: input.IndexName !== undefined, leadingKeys: [queriedPartition(input)] }];
    case 'PutItemCommand':
      return [writeAccess(command, 'dynamodb:PutItem', input, Object.keys((input.Item ?? {}) as Input))];
    case 'UpdateItemCommand':
      return [writeAccess(command, 'dynamodb:UpdateItem', input, Object.keys((input.Key ?? {}) as Input))];
    case 'DeleteItemCommand':
      return [writeAccess(command, 'dynamodb:DeleteItem', input, Object.keys((input.Key ?? {}) as Input))];
    case 'TransactWriteItemsCommand':
      return ((input.TransactItems ?? []) as Record<string, Input>[]).flatMap((part) => {
        if (part.Put) return [writeAccess(command, 'dynamodb:PutItem', part.Put, Object.keys((part.Put.Item ?? {}) as Input))];
        if (part.Update) return [writeAccess(command, 'dynamodb:UpdateItem', part.Update, Object.keys((part.Update.Key ?? {}) as Input))];
        if (part.Delete) return [writeAccess(command, 'dynamodb:DeleteItem', part.Delete, Object.keys((part.Delete.Key ?? {}) as Input))];
        if (part.ConditionCheck) return [writeAccess(command, 'dynamodb:ConditionCheckItem', part.ConditionCheck, Object.keys((part.ConditionCheck.Key ?? {}) as Input))];
        return [{ command, action: 'dynamodb:<unknown transaction part>', index: false, leadingKeys: [] }];
      });
    case 'BatchExecuteStatementCommand':
      return ((input.Statements ?? []) as Input[]).map((statement) => statementAccess(command, statement));
    case 'ExecuteStatementCommand':
      return [statementAccess(command, input)];
    default:
      // Scan, BatchWriteItem, TransactGetItems...: no grant has them, so they show up as refused.
      return [{ command, action: `dynamodb:${command.replace(/Command$/, '')}`, index: false, leadingKeys: [] }];
  }
}

/** `*` at the end (or nowhere), as lib/table-access.ts writes the patterns. */
function matches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/** Whether one of the grants allows the access, as IAM would evaluate the statements they make. */
export function allowedBy(grants: readonly TableGrant[], access: TableAccess): boolean {
  return grants.some((grant) => {
    if (!grant.actions.includes(access.action) || Boolean(grant.index) !== access.index) return false;
    const patterns = grantPatterns(grant);
    if (access.leadingKeys.length === 0 || !access.leadingKeys.every((key) => patterns.some((pattern) => matches(pattern, key)))) return false;
    if (!grant.attributes) return true;
    return (access.attributes ?? []).every((name) => grant.attributes!.includes(name)) && !['ALL_NEW', 'ALL_OLD'].includes(access.returnValues ?? 'NONE');
  });
}

/** A pattern-level summary, e.g. `dynamodb:UpdateItem PILOT#*`, for checking what a run covered. */
export function describeAccess(access: TableAccess): string {
  const kinds = [...new Set(access.leadingKeys.map((key) => key.replace(/#.*$/, '#*')))].sort();
  return `${access.action}${access.index ? ' (gsi1)' : ''} ${kinds.join(',')}`;
}

export class TableAccessRecorder {
  readonly accesses: TableAccess[] = [];

  /** Records every command of `client` from now on (attach before its first command: the table caches resolved handlers). */
  attach<C extends DynamoDBClient>(client: C): C {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.accesses.push(...accessesOf(String(context.commandName), args.input as Input));
        return next(args);
      },
      { step: 'initialize', name: 'tableAccessRecorder', override: true },
    );
    return client;
  }

  /** Each access no grant allows, described. */
  refused(grants: readonly TableGrant[]): string[] {
    return this.accesses.filter((access) => !allowedBy(grants, access)).map((access) => `${describeAccess(access)} ${JSON.stringify(access)}`);
  }

  /** The distinct action and key kinds seen. */
  kinds(): Set<string> {
    return new Set(this.accesses.map(describeAccess));
  }

  /** Each action and prefix the grants allow that no recorded access used: a grant wider than the run needed. */
  unused(grants: readonly TableGrant[]): string[] {
    const used = this.accesses.flatMap((access) =>
      access.leadingKeys.map((key) => `${access.action}${access.index ? ' (gsi1)' : ''} ${key}`),
    );
    return grants.flatMap((grant) =>
      grant.actions.flatMap((action) =>
        grantPatterns(grant)
          .map((pattern) => ({ label: `${action}${grant.index ? ' (gsi1)' : ''}`, pattern }))
          .filter(({ label, pattern }) => !used.some((entry) => entry.startsWith(`${label} `) && matches(pattern, entry.slice(label.length + 1))))
          .map(({ label, pattern }) => `${label} ${pattern}`),
      ),
    );
  }
}

/**
 * One recorder for a test file's run (jest gives each file its own modules): a jest.mock factory
 * attaches it to the clients the code under test makes, and the file's last test checks it.
 */
export const recordedRun = new TableAccessRecorder();
