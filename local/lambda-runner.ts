// Runs a Lambda function from its synthesized bundle as Lambda does: each execution environment is
// its own Node process (own process.env, own module state), handles one invocation at a time, is
// reused while warm, and is thrown away when it times out or crashes.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A function as the template defines it (local-stack.ts reads it) and as the runner starts it. */
export interface LambdaFunctionSettings {
  readonly functionName: string;
  /** Short name that prefixes forwarded log lines (`DispatcherFunction`). */
  readonly label: string;
  readonly arn: string;
  readonly codeDir: string;
  /** `index.handler` */
  readonly handler: string;
  /** `nodejs22.x`, reported as AWS_EXECUTION_ENV. */
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly logGroupName: string;
}

export interface LambdaFunctionConfig extends LambdaFunctionSettings {
  /** The function's own variables (template + local overrides); Lambda's reserved ones are added. */
  readonly environment: Readonly<Record<string, string>>;
  /** Execution environments at most; more concurrent invokes wait. Default 10. */
  readonly maxConcurrency?: number;
  /** Receives every output line of the function, already prefixed. */
  readonly log: (line: string) => void;
}

/** An invocation that failed the way Lambda reports it (function error, timeout, crash). */
export class LambdaInvokeError extends Error {
  override readonly name = 'LambdaInvokeError';
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly requestId: string,
  ) {
    super(`${errorType}: ${errorMessage}`);
  }
}

export interface LocalLambda {
  readonly config: LambdaFunctionConfig;
  invoke(event: unknown): Promise<unknown>;
  /** Starts one environment and waits for its init, so configuration errors show at start. */
  /** Starts `environments` execution environments (at most the function's concurrency) and leaves them idle. */
  warm(environments?: number): Promise<void>;
  close(): Promise<void>;
}

interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: ErrorPayload }
  | { type: 'started'; id: string }
  | { type: 'result'; id: string; payload: string }
  | { type: 'error'; id?: string; error: ErrorPayload };

const WORKER_PATH = join(__dirname, 'lambda-worker.mjs');
/** Killed synchronously if this process exits without closing them (one listener for all). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    process.on('exit', () => {
      for (const live of liveChildren) live.kill('SIGKILL');
    });
    exitHookInstalled = true;
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}
const DEFAULT_MAX_CONCURRENCY = 10;
/** Environments an invocation may find dead before it fails. */
const MAX_UNDELIVERED_TRIES = 3;

/** The environment died before the invocation reached its runtime: nothing of it ran. */
class UndeliveredInvocation extends LambdaInvokeError {}
/** Lambda gives the init phase 10 s. */
const INIT_TIMEOUT_MS = 10_000;

export function createLocalLambda(config: LambdaFunctionConfig): LocalLambda {
  return new LambdaPool(config);
}

class LambdaPool implements LocalLambda {
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly waiting: Array<(environment: ExecutionEnvironment | Error) => void> = [];
  private closed = false;

  constructor(readonly config: LambdaFunctionConfig) {}

  async warm(environments = 1): Promise<void> {
    const count = Math.max(1, Math.min(environments, this.config.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY));
    const acquired = await Promise.allSettled(Array.from({ length: count }, () => this.acquire()));
    for (const result of acquired) if (result.status === 'fulfilled') this.release(result.value);
    const failed = acquired.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async invoke(event: unknown): Promise<unknown> {
    for (let tries = 1; ; tries += 1) {
      const environment = await this.acquire();
      try {
        return await environment.invoke(event);
      } catch (error) {
        // Lambda never hands an invocation to a dead environment: one that died idle (killed from
        // outside before its exit was noticed) never started it, so it goes to another environment.
        if (error instanceof UndeliveredInvocation && tries < MAX_UNDELIVERED_TRIES) continue;
        throw error;
      } finally {
        this.release(environment);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(new Error(`function ${this.config.functionName} stopped`));
    await Promise.all([...this.environments].map((environment) => environment.kill()));
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    if (this.closed) throw new Error(`function ${this.config.functionName} is stopped`);
    // Reserved concurrency 0 is how a function is switched off: Lambda throttles every invoke.
    if (this.config.maxConcurrency === 0) {
      throw new LambdaInvokeError('TooManyRequestsException', `Rate Exceeded: ${this.config.functionName} has reserved concurrency 0`, '');
    }
    // An idle environment may have died meanwhile (killed from outside): skip it.
    for (let warm = this.idle.pop(); warm; warm = this.idle.pop()) {
      if (warm.alive) return warm;
      this.environments.delete(warm);
    }
    if (this.environments.size < (this.config.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY)) {
      const environment = new ExecutionEnvironment(this.config);
      this.environments.add(environment);
      try {
        await environment.initialized;
      } catch (error) {
        this.environments.delete(environment);
        this.wakeNext();
        throw error;
      }
      return environment;
    }
    const next = await new Promise<ExecutionEnvironment | Error>((resolve) => this.waiting.push(resolve));
    if (next instanceof Error) throw next;
    return next;
  }

  private release(environment: ExecutionEnvironment): void {
    if (!environment.alive || this.closed) {
      this.environments.delete(environment);
      void environment.kill();
      this.wakeNext();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(environment);
    else this.idle.push(environment);
  }

  /** A slot freed up: let a waiter start a fresh environment. */
  private wakeNext(): void {
    const waiter = this.waiting.shift();
    if (!waiter) return;
    this.acquire().then(waiter, (error: unknown) => waiter(error instanceof Error ? error : new Error(String(error))));
  }
}

class ExecutionEnvironment {
  readonly initialized: Promise<void>;
  alive = true;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly startedAt = performance.now();
  private initDurationMs: number | undefined;
  private pending: { id: string; started: boolean; resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly config: LambdaFunctionConfig) {
    const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    this.child = fork(WORKER_PATH, [], {
      cwd: config.codeDir,
      env: lambdaEnvironment(config, logStreamName),
      // Not the parent's flags (tsx, inspector): the bundle runs on plain Node, as in Lambda.
      execArgv: [`--max-old-space-size=${config.memoryMb}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => config.log(line));
    }
    track(this.child);
    // A failed send or kill is reported where it happens; without a listener Node would end the whole local run.
    this.child.on('error', (error) => config.log(`runtime process: ${error.message}`));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.alive = false;
        // Before its runtime took the invocation (an IPC answer still unread is taken for not started:
        // running it again elsewhere is what an SQS redelivery would do anyway).
        const Failure = this.pending && !this.pending.started ? UndeliveredInvocation : LambdaInvokeError;
        this.fail(new Failure('Runtime.ExitError', `Runtime exited with ${signal ? `signal ${signal}` : `exit status ${code}`}`, this.pending?.id ?? ''));
        resolve();
      });
    });
    this.initialized = new Promise<void>((resolve, reject) => {
      const initTimer = setTimeout(() => {
        reject(new LambdaInvokeError('Runtime.InitTimeout', `init did not finish within ${INIT_TIMEOUT_MS} ms`, ''));
        void this.kill();
      }, INIT_TIMEOUT_MS);
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.initDurationMs = performance.now() - this.startedAt;
          clearTimeout(initTimer);
          resolve();
        } else if (message.type === 'init-error') {
          clearTimeout(initTimer);
          config.log(`init failed: ${message.error.errorType}: ${message.error.errorMessage}`);
          reject(new LambdaInvokeError(message.error.errorType, message.error.errorMessage, ''));
        }
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code) => {
        clearTimeout(initTimer);
        reject(new LambdaInvokeError('Runtime.ExitError', `Runtime exited during init with exit status ${code}`, ''));
      });
    });
    // A rejected init is reported through `initialized`; no unhandled rejection here.
    this.initialized.catch(() => undefined);
    this.child.on('message', (message: WorkerMessage) => this.onMessage(message));
  }

  invoke(event: unknown): Promise<unknown> {
    const id = randomUUID();
    const started = performance.now();
    const timeoutMs = this.config.timeoutSeconds * 1000;
    let invocation: NonNullable<ExecutionEnvironment['pending']> | undefined;
    return new Promise<unknown>((resolve, reject) => {
      invocation = { id, started: false, resolve, reject };
      this.pending = invocation;
      this.timer = setTimeout(() => {
        // Lambda stops the environment at the timeout; the next invoke gets a fresh one.
        this.fail(new LambdaInvokeError('Sandbox.Timedout', `Task timed out after ${this.config.timeoutSeconds.toFixed(2)} seconds`, id));
        this.config.log(`${new Date().toISOString()} ${id} Task timed out after ${this.config.timeoutSeconds.toFixed(2)} seconds`);
        void this.kill();
      }, timeoutMs);
      const message = { type: 'invoke', id, event: JSON.stringify(event ?? null), deadlineMs: Date.now() + timeoutMs, invokedFunctionArn: this.config.arn };
      this.child.send(message, (error) => {
        // The runtime died before its exit was noticed (killed from outside): the invocation never reached it.
        if (!error) return;
        this.alive = false;
        this.fail(new UndeliveredInvocation('Runtime.ExitError', `Runtime exited: ${error.message}`, id));
      });
    }).finally(() => {
      // Nothing ran: Lambda would not report it.
      if (!invocation?.started) return;
      const duration = performance.now() - started;
      const init = this.initDurationMs === undefined ? '' : `\tInit Duration: ${this.initDurationMs.toFixed(2)} ms`;
      this.initDurationMs = undefined;
      this.config.log(
        `REPORT RequestId: ${id}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.ceil(duration)} ms\tMemory Size: ${this.config.memoryMb} MB${init}`,
      );
    });
  }

  kill(): Promise<void> {
    this.alive = false;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  private onMessage(message: WorkerMessage): void {
    const pending = this.pending;
    if (!pending) return;
    if (message.type === 'started' && message.id === pending.id) pending.started = true;
    else if (message.type === 'result' && message.id === pending.id) {
      this.settle();
      pending.resolve(JSON.parse(message.payload));
    } else if (message.type === 'error' && (message.id === pending.id || message.id === undefined)) {
      // Runtime.* errors (uncaught exception, unhandled rejection) end the environment.
      if (message.error.errorType.startsWith('Runtime.')) this.alive = false;
      this.fail(new LambdaInvokeError(message.error.errorType, message.error.errorMessage, pending.id));
    }
  }

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private fail(error: LambdaInvokeError): void {
    const pending = this.pending;
    if (!pending) return;
    this.settle();
    pending.reject(error);
  }
}

/** The variables Lambda sets itself; the function's own come first so these win, as in Lambda. */
function lambdaEnvironment(config: LambdaFunctionConfig, logStreamName: string): NodeJS.ProcessEnv {
  return {
    ...config.environment,
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: config.codeDir,
    LAMBDA_RUNTIME_DIR: __dirname,
    _HANDLER: config.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: config.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
}
