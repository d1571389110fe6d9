// Drives `npm start` (local/start.ts) as a child process for the chaos run: start it with
// --persist on fixed ports, stop it with SIGTERM, find and SIGKILL the dispatcher's Lambda
// workers, and call the AWS endpoint's local-only control routes.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { descendantsOf, environmentOf, startChildRun } from '../local/child-run';
import { findFreePort } from '../local/dynamodb-local';
import type { LocalOutputs } from '../local/outputs';

export interface LocalRunSettings {
  readonly apiPort: number;
  readonly awsPort: number;
  readonly outputDir: string;
  readonly persistDir: string;
  readonly env: Record<string, string>;
  readonly log: (line: string) => void;
  /** Appends every line of the local run to this file. */
  readonly logFile?: string;
}

export interface RunningLocal {
  readonly child: ChildProcess;
  readonly outputs: LocalOutputs;
  /** Local run lines that mention trouble (errors, failed polls), for the report. */
  readonly notable: string[];
  stop(): Promise<void>;
}

/**
 * Settings for a local run in its own work folder, on free ports, with the chaos runs' retry
 * schedule and delivery timeout; with a log folder, its whole log goes to `<label>-local-run.log`.
 */
export async function localRunSettings(options: {
  readonly workDir: string;
  readonly label: string;
  readonly retrySchedule: readonly number[];
  readonly deliveryTimeoutMs: number;
  readonly log: (line: string) => void;
  readonly keepLogDir?: string;
  /** More of `npm start`'s variables. */
  readonly env?: Readonly<Record<string, string>>;
}): Promise<LocalRunSettings> {
  return {
    apiPort: await findFreePort(),
    awsPort: await findFreePort(),
    outputDir: join(options.workDir, 'outputs'),
    persistDir: join(options.workDir, 'persist'),
    env: { RETRY_SCHEDULE_SECONDS: options.retrySchedule.join(','), DELIVERY_TIMEOUT_MS: String(options.deliveryTimeoutMs), ...options.env },
    log: options.log,
    ...(options.keepLogDir ? { logFile: join(options.keepLogDir, `${options.label}-local-run.log`) } : {}),
  };
}

/** The local AWS endpoint takes any credentials; never send real ones to it. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const READY_TIMEOUT_MS = 240_000;
const NOTABLE = /\b(ERROR|failed|Timedout|ExitError|Uncaught|Unhandled)\b/;

export async function startLocal(settings: LocalRunSettings): Promise<RunningLocal> {
  const notable: string[] = [];
  const file = settings.logFile ? createWriteStream(settings.logFile, { flags: 'a' }) : undefined;
  const run = await startChildRun({
    args: ['--persist', settings.persistDir],
    outputDir: settings.outputDir,
    readyTimeoutMs: READY_TIMEOUT_MS,
    onLine: (line) => {
      file?.write(`${Date.now()} ${line}\n`);
      if (NOTABLE.test(line) && notable.length < 5000) notable.push(line);
    },
    env: { PORT: String(settings.apiPort), AWS_LOCAL_PORT: String(settings.awsPort), ...settings.env },
  });
  return {
    child: run.child,
    outputs: run.outputs,
    notable,
    async stop() {
      await run.stop();
      file?.end();
    },
  };
}

/** The dispatcher's Lambda workers: processes below the local run whose environment names the dispatcher function. */
export function dispatcherWorkerPids(localRunPid: number): number[] {
  return descendantsOf(localRunPid)
    .map(({ pid }) => pid)
    .filter((pid) => /dispatcher/i.test(environmentOf(pid, 'AWS_LAMBDA_FUNCTION_NAME') ?? ''));
}

export async function control(awsEndpoint: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${awsEndpoint}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const parsed = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}
