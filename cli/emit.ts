// Publishes one producer event with EventBridge PutEvents (README.md, "How producers publish") and
// prints what EventBridge answered.
//
//   npm run emit -- TYPE --account ID --data JSON_OR_@FILE [--id ID] [--timestamp ISO] [--outputs FILE]
//   npm run emit -- TYPE ... --stack NAME [--region R]
// Bus, source, region and endpoint come from the local run's .local/outputs.json, or from a
// deployed stack's EventBusName and EventSource outputs (CloudFormation) with --stack.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { localOutputDir, OUTPUTS_FILE, readLocalOutputsFile } from '../local/outputs';
import { readStackOutputs } from './stack-outputs';

export class EmitError extends Error {
  override readonly name = 'EmitError';
}

export interface EmitArgs {
  readonly eventType: string;
  readonly accountId: string;
  readonly data: unknown;
  readonly id?: string;
  readonly timestamp?: string;
  readonly stack?: string;
  readonly region?: string;
  readonly outputsFile?: string;
}

export interface EmitTarget {
  readonly eventBusName: string;
  readonly eventSource: string;
  /** Undefined: the SDK's default (AWS_REGION, the profile). */
  readonly region?: string;
  /** The local AWS endpoint; undefined for AWS itself. */
  readonly endpoint?: string;
}

const USAGE = `usage: npm run emit -- TYPE --account ID --data JSON_OR_@FILE [--id ID] [--timestamp ISO] [--outputs FILE | --stack NAME [--region R]]
  TYPE        click, conversion, link.created, link.updated, link.deleted, alert.triggered
  --data      the event's data as JSON, or @path/to/file.json
  --outputs   the local run's outputs.json (default .local/outputs.json, or $LOCAL_OUTPUT_DIR/outputs.json)
  --stack     a deployed stack: its EventBusName and EventSource outputs, in --region or the SDK's default region`;

const VALUE_FLAGS = new Set(['account', 'data', 'id', 'timestamp', 'stack', 'region', 'outputs']);

export function parseEmitArgs(argv: readonly string[], cwd: string = process.cwd()): EmitArgs {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (!VALUE_FLAGS.has(name)) throw new EmitError(`unknown option --${name}`);
    const value = inline ?? argv[(index += 1)];
    if (value === undefined) throw new EmitError(`--${name} needs a value`);
    flags.set(name, value);
  }
  if (positional.length !== 1) throw new EmitError(positional.length === 0 ? 'the event TYPE is required' : `unexpected argument ${positional[1]}`);
  const accountId = flags.get('account');
  if (!accountId) throw new EmitError('--account is required');
  const rawData = flags.get('data');
  if (rawData === undefined) throw new EmitError('--data is required');
  if (flags.has('stack') && flags.has('outputs')) throw new EmitError('choose one of --stack, --outputs');
  if (flags.has('region') && !flags.has('stack')) throw new EmitError('--region goes with --stack');
  const timestamp = flags.get('timestamp');
  if (timestamp !== undefined && Number.isNaN(Date.parse(timestamp))) throw new EmitError(`--timestamp ${timestamp} is not an ISO-8601 time`);
  return {
    eventType: positional[0]!,
    accountId,
    data: parseData(rawData, cwd),
    ...(flags.has('id') ? { id: flags.get('id')! } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(flags.has('stack') ? { stack: flags.get('stack')! } : {}),
    ...(flags.has('region') ? { region: flags.get('region')! } : {}),
    ...(flags.has('outputs') ? { outputsFile: resolve(cwd, flags.get('outputs')!) } : {}),
  };
}

function parseData(raw: string, cwd: string): unknown {
  let text = raw;
  if (raw.startsWith('@')) {
    const path = resolve(cwd, raw.slice(1));
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new EmitError(`cannot read ${path}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EmitError(`--data is not valid JSON: ${(error as Error).message}`);
  }
}

/** The Detail document producers put on the bus (README.md, "How producers publish"). */
export function eventDetail(args: EmitArgs): string {
  return JSON.stringify({
    account_id: args.accountId,
    data: args.data,
    ...(args.id !== undefined ? { id: args.id } : {}),
    ...(args.timestamp !== undefined ? { timestamp: args.timestamp } : {}),
  });
}

export async function resolveTarget(args: EmitArgs, root: string, cloudFormation?: CloudFormationClient): Promise<EmitTarget> {
  if (args.stack !== undefined) {
    // A StackOutputsError names the stack and what is wrong with it; no usage text needed.
    const outputs = await readStackOutputs(args.stack, {
      ...(args.region ? { region: args.region } : {}),
      ...(cloudFormation ? { client: cloudFormation } : {}),
      required: ['EventBusName', 'EventSource'],
    });
    return { eventBusName: outputs.EventBusName!, eventSource: outputs.EventSource!, ...(args.region ? { region: args.region } : {}) };
  }
  // The file named by --outputs, whatever its name; else the local run's own.
  const outputs = readLocalOutputsFile(args.outputsFile ?? join(localOutputDir(root), OUTPUTS_FILE));
  return { eventBusName: outputs.eventBusName, eventSource: outputs.eventSource, region: outputs.region, endpoint: outputs.awsEndpoint };
}

export async function emit(args: EmitArgs, target: EmitTarget): Promise<Omit<PutEventsCommandOutput, '$metadata'>> {
  const client = new EventBridgeClient({
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint
      ? // The local endpoint accepts any credentials; never send real ones to it.
        { endpoint: target.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  try {
    const { $metadata: _metadata, ...answer } = await client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: target.eventBusName, Source: target.eventSource, DetailType: args.eventType, Detail: eventDetail(args) }],
      }),
    );
    return answer;
  } finally {
    client.destroy();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  // Only the answer belongs on the terminal, not the SDK's note about this machine's Node version.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  try {
    const args = parseEmitArgs(argv);
    const answer = await emit(args, await resolveTarget(args, resolve(__dirname, '..')));
    console.log(JSON.stringify(answer, null, 2));
    return answer.FailedEntryCount ? 1 : 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(error instanceof EmitError ? `${message}\n${USAGE}` : `emit failed: ${message}`);
    return error instanceof EmitError ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
