// Drives `npm start` (local/start.ts) as a child process for the chaos run: start it with
// --persist on fixed ports, stop it with SIGTERM, find and SIGKILL the dispatcher's Lambda
// workers, and call the AWS endpoint's local-only control routes.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LocalOutputs, readLocalOutputs } from '../local/outputs';

export const ROOT = resolve(__dirname, '..');

export interface LocalRunSettings {
  readonly apiPort: number;
  readonly awsPort: number;
  readonly outputDir: string;
  readonly persistDir: string;
  readonly env: Record<string, string>;
  readonly log: (line: string) => void;
}

export interface RunningLocal {
  readonly child: ChildProcess;
  readonly outputs: LocalOutputs;
  /** Local run lines that mention trouble (errors, failed polls), for the report. */
  readonly notable: string[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 240_000;
const NOTABLE = /\b(ERROR|failed|Timedout|ExitError|Uncaught|Unhandled)\b/;

export async function startLocal(settings: LocalRunSettings): Promise<RunningLocal> {
  // Nothing of this process's AWS settings or loader flags may leak into the local run.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_OPTIONS'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'local', 'start.ts'), '--persist', settings.persistDir], {
    cwd: ROOT,
    env: {
      ...inherited,
      PORT: String(settings.apiPort),
      AWS_LOCAL_PORT: String(settings.awsPort),
      LOCAL_OUTPUT_DIR: settings.outputDir,
      ...settings.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const notable: string[] = [];
  const tail: string[] = [];
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const ready = new Promise<void>((resolveReady, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (NOTABLE.test(line) && notable.length < 5000) notable.push(line);
        if (/^\[local\] ready\b/.test(line)) resolveReady();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`local run exited before ready:\n${tail.join('\n')}`)));
    setTimeout(() => reject(new Error(`local run not ready within ${READY_TIMEOUT_MS} ms:\n${tail.join('\n')}`)), READY_TIMEOUT_MS).unref();
  });
  try {
    await ready;
  } catch (error) {
    child.kill('SIGTERM');
    await exited;
    throw error;
  }
  return {
    child,
    outputs: readLocalOutputs(settings.outputDir),
    notable,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The dispatcher's Lambda workers: children of the local run whose environment names the dispatcher function. */
export function dispatcherWorkerPids(localRunPid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended while we looked
    }
  }
  const below = new Set<number>([localRunPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (below.has(parent) && !below.has(pid)) {
        below.add(pid);
        grew = true;
      }
    }
  }
  below.delete(localRunPid);
  return [...below].filter((pid) => {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const name = environ.find((entry) => entry.startsWith('AWS_LAMBDA_FUNCTION_NAME='));
      return name !== undefined && /dispatcher/i.test(name);
    } catch {
      return false;
    }
  });
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
