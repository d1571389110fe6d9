// `.local/outputs.json`: what a running local run offers, for people, the CLIs and the tests.
// The directory is LOCAL_OUTPUT_DIR when set, so tests never overwrite a developer's file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface LocalOutputs {
  /** Management API base URL, e.g. `http://127.0.0.1:3000`. */
  readonly apiUrl: string;
  /** The AWS-compatible endpoint (EventBridge, SQS, Scheduler, DynamoDB). */
  readonly awsEndpoint: string;
  readonly eventBusName: string;
  readonly eventSource: string;
  readonly region: string;
  /** The dev account of the management API (not an AWS account). */
  readonly accountId: string;
  readonly apiKey: string;
  readonly tableName: string;
  /** Producer events, from the rule. */
  readonly dispatchQueueUrl: string;
  /** Retries and redeliveries (the dispatcher's retry lane). */
  readonly retryQueueUrl: string;
  readonly dispatchDeadLetterQueueUrl?: string;
  /** Events the bus rule could not put on the dispatch queue (`npm run admin -- rejected` lists them). */
  readonly ruleDeadLetterQueueUrl?: string;
  readonly scheduleGroupName?: string;
  readonly stackName: string;
  /** The AWS account id the local resources' ARNs use. */
  readonly awsAccountId: string;
  /** The local KMS key portal tokens are signed with (the management function's SIGNING_KEY_ARN): the admin CLI's portal-link derives the same keys. */
  readonly signingKeyArn?: string;
  readonly pid: number;
  readonly startedAt: string;
}

export const OUTPUTS_FILE = 'outputs.json';

export function localOutputDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_OUTPUT_DIR ? resolve(env.LOCAL_OUTPUT_DIR) : join(root, '.local');
}

/** Written via a temporary file and rename: readers never see half a file. */
export function writeLocalOutputs(dir: string, outputs: LocalOutputs): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, OUTPUTS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(outputs, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  return path;
}

const REQUIRED: ReadonlyArray<keyof LocalOutputs> = ['apiUrl', 'awsEndpoint', 'eventBusName', 'eventSource', 'region', 'accountId', 'apiKey'];

export function readLocalOutputs(dir: string): LocalOutputs {
  return readLocalOutputsFile(join(dir, OUTPUTS_FILE));
}

/** The file itself, whatever its name (the CLIs' `--outputs FILE`). */
export function readLocalOutputsFile(path: string): LocalOutputs {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw new Error(`cannot read ${path} (${reason}): start the local run with \`npm start\` first`);
  }
  const missing = REQUIRED.filter((key) => typeof parsed[key] !== 'string');
  if (missing.length > 0) throw new Error(`${path} lacks ${missing.join(', ')}: restart the local run`);
  return parsed as unknown as LocalOutputs;
}
