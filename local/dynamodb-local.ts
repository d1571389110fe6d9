// Runs Amazon's DynamoDB Local (a Java process) for the local run and the integration tests.
// The jar lives in .cache/dynamodb-local, put there by scripts/install-dynamodb-local.mjs.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoDbLocalOptions {
  /** Defaults to a free port chosen by the OS. */
  port?: number;
  /** Defaults to true; false keeps the data in `dbPath`. */
  inMemory?: boolean;
  /** Directory for the database file when `inMemory` is false. */
  dbPath?: string;
  /** How long to wait for the first answer; defaults to 30 s. */
  readyTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The Java process. */
  pid: number;
  /** Milliseconds from spawn until DynamoDB Local answered ListTables. */
  startupMs: number;
  stop(): Promise<void>;
}

const repositoryRoot = resolve(__dirname, '..');
const installDir = join(repositoryRoot, '.cache', 'dynamodb-local');
const jarPath = join(installDir, 'DynamoDBLocal.jar');
const OUTPUT_TAIL_CHARS = 4000;
// A port found free may be taken before Java binds it; only then is a retry worth it.
const MAX_START_ATTEMPTS = 3;

/**
 * Runs Java in place of this shell (`exec`, so the pid and the signals we send are Java's) with a
 * watchdog beside it. The watchdog blocks reading our end of a pipe: when this process dies in any
 * way, SIGKILL included, the kernel closes the pipe, the read sees end-of-file and the watchdog
 * kills Java. A line on the pipe instead means Java has exited and the watchdog may go.
 * An asynchronous list reads /dev/null unless told otherwise, hence the pipe copied to fd 3.
 */
const WATCHDOG_SCRIPT = 'exec 3<&0; (read -r _ <&3 || kill -KILL $$) >/dev/null 2>&1 & exec "$@" </dev/null 3<&-';

/** Dummy settings: DynamoDB Local accepts any credentials, the SDK only needs some. */
export const DYNAMODB_LOCAL_CLIENT_DEFAULTS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  ensureInstalled();
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt += 1) {
    const port = options.port ?? (await findFreePort());
    try {
      return await startOnPort(port, options);
    } catch (error) {
      lastError = error;
      if (options.port !== undefined || !(error instanceof EarlyExitError)) break;
    }
  }
  throw lastError;
}

class EarlyExitError extends Error {
  override readonly name = 'EarlyExitError';
}

function ensureInstalled(): void {
  if (existsSync(jarPath)) return;
  execFileSync(process.execPath, [join(repositoryRoot, 'scripts', 'install-dynamodb-local.mjs')], { stdio: 'inherit' });
  if (!existsSync(jarPath)) throw new Error(`DynamoDB Local is not installed at ${installDir}`);
}

/** DynamoDB Local refuses a -dbPath that does not exist yet. */
function ensureDirectory(path: string): string {
  const absolute = resolve(path);
  mkdirSync(absolute, { recursive: true });
  return absolute;
}

async function startOnPort(port: number, options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const storage = options.inMemory === false ? ['-dbPath', ensureDirectory(options.dbPath ?? join(repositoryRoot, '.local', 'dynamodb'))] : ['-inMemory'];
  const args = [
    // C1 only: the JVM starts noticeably sooner, and an emulator never needs C2's peak speed.
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(installDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    jarPath,
    ...storage,
    // One database whatever credentials and region a client uses (the Lambdas and the tests differ).
    '-sharedDb',
    // Since 1.24 it reports telemetry to AWS by default; nothing here may call out.
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const startedAt = performance.now();
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'dynamodb-local', 'java', ...args], { cwd: installDir, stdio: ['pipe', 'pipe', 'pipe'] });
  // Java is gone (stopped or crashed): stand the watchdog down before the pid can be reused.
  child.once('exit', () => child.stdin?.end('java exited\n'));
  // The watchdog may have left already; a write to a closed pipe is no error here.
  child.stdin?.on('error', () => undefined);
  let output = '';
  const keepTail = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = waitForExit(child);
  // A crashed test runner must not leave Java running.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(forceKill);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, exited, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    const message = `DynamoDB Local did not start on port ${port}: ${reason}\n--- its output ---\n${output.trim()}`;
    throw error instanceof EarlyExitError ? new EarlyExitError(message) : new Error(message);
  }
  return { endpoint, port, pid: child.pid!, startupMs: Math.round(performance.now() - startedAt), stop };
}

function waitForExit(child: ChildProcess): Promise<string> {
  return new Promise((resolveExit) => {
    child.once('error', (error) => resolveExit(`failed to run java: ${error.message}`));
    child.once('exit', (code, signal) => resolveExit(`exited with ${signal ?? `code ${code}`}`));
  });
}

async function waitUntilReady(endpoint: string, exited: Promise<string>, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({ ...DYNAMODB_LOCAL_CLIENT_DEFAULTS, endpoint, maxAttempts: 1 });
  let exitReason: string | undefined;
  void exited.then((reason) => {
    exitReason = reason;
  });
  const deadline = performance.now() + timeoutMs;
  try {
    while (performance.now() < deadline) {
      if (exitReason !== undefined) throw new EarlyExitError(exitReason);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        // Not listening yet: poll again shortly.
        await new Promise((wake) => setTimeout(wake, 100));
      }
    }
    throw new Error(`no answer within ${timeoutMs} ms`);
  } finally {
    client.destroy();
  }
}

export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('no port assigned')) : resolvePort(port)));
    });
  });
}
