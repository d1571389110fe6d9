// The Lambda runner with small bundles written to a temporary folder: each environment is its own
// process with only the function's variables, warm environments keep module state, the timeout
// is enforced, and errors come back the way Lambda reports them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalLambda, LambdaInvokeError, type LambdaFunctionConfig, type LocalLambda } from '../../../local/lambda-runner';

const BUNDLE = `
let invocations = 0;
const initPid = process.pid;
exports.handler = async (event, context) => {
  invocations += 1;
  if (event.action === 'sleep') await new Promise((resolve) => setTimeout(resolve, event.ms));
  if (event.action === 'throw') { const error = new TypeError('bad input'); throw error; }
  if (event.action === 'crash') { setTimeout(() => { throw new Error('boom'); }, 0); await new Promise(() => undefined); }
  if (event.action === 'log') console.log('hello from', context.functionName);
  return {
    invocations,
    pid: process.pid,
    initPid,
    cwd: process.cwd(),
    env: { ...process.env },
    remaining: context.getRemainingTimeInMillis(),
    now: Date.now(),
    context: {
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      awsRequestId: context.awsRequestId,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
    },
  };
};
exports.callbackHandler = (event, context, callback) => { setTimeout(() => callback(null, { echoed: event }), 5); };
`;

interface Answer {
  invocations: number;
  pid: number;
  initPid: number;
  cwd: string;
  env: Record<string, string>;
  remaining: number;
  /** Date.now() in the handler, when `remaining` was read. */
  now: number;
  context: Record<string, string>;
}

describe('lambda runner', () => {
  let codeDir: string;
  const lambdas: LocalLambda[] = [];
  const lines: string[] = [];

  const start = (overrides: Partial<LambdaFunctionConfig> = {}): LocalLambda => {
    const lambda = createLocalLambda({
      functionName: 'stack-TestFunction',
      label: 'TestFunction',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:stack-TestFunction',
      codeDir,
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 5,
      memoryMb: 128,
      logGroupName: '/aws/lambda/stack-TestFunction',
      environment: { TABLE_NAME: 'local-table' },
      log: (line) => lines.push(line),
      ...overrides,
    });
    lambdas.push(lambda);
    return lambda;
  };

  beforeAll(() => {
    codeDir = mkdtempSync(join(tmpdir(), 'lambda-runner-'));
    writeFileSync(join(codeDir, 'index.js'), BUNDLE);
  });

  afterEach(async () => {
    await Promise.all(lambdas.splice(0).map((lambda) => lambda.close()));
    lines.length = 0;
  });

  afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

  it('runs the handler in its own process with only the function environment and a Lambda context', async () => {
    process.env.PARENT_ONLY_VARIABLE = 'must not leak';
    try {
      const invokedAt = Date.now();
      const answer = (await start().invoke({})) as Answer;
      expect(answer.pid).not.toBe(process.pid);
      expect(answer.cwd).toBe(codeDir);
      expect(answer.env.PARENT_ONLY_VARIABLE).toBeUndefined();
      expect(answer.env).toMatchObject({
        TABLE_NAME: 'local-table',
        AWS_LAMBDA_FUNCTION_NAME: 'stack-TestFunction',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        LAMBDA_TASK_ROOT: codeDir,
        _HANDLER: 'index.handler',
      });
      expect(answer.env.NODE_OPTIONS).toBeUndefined();
      expect(answer.context).toMatchObject({
        functionName: 'stack-TestFunction',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stack-TestFunction',
        memoryLimitInMB: '128',
        logGroupName: '/aws/lambda/stack-TestFunction',
      });
      expect(answer.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
      // The deadline is the 5 s timeout counted from when the invocation was sent: after we called
      // invoke, before the handler ran. Exact however long init or the hand-over took on a busy machine.
      const deadline = answer.now + answer.remaining;
      expect(deadline).toBeGreaterThanOrEqual(invokedAt + 5000);
      expect(deadline).toBeLessThanOrEqual(answer.now + 5000);
      expect(answer.remaining).toBeLessThanOrEqual(5000);
    } finally {
      delete process.env.PARENT_ONLY_VARIABLE;
    }
  });

  it('reuses a warm environment, keeping module state, for sequential invocations', async () => {
    const lambda = start();
    const first = (await lambda.invoke({})) as Answer;
    const second = (await lambda.invoke({})) as Answer;
    expect(second.pid).toBe(first.pid);
    expect(second.invocations).toBe(2);
  });

  it('runs concurrent invocations in separate environments, up to maxConcurrency', async () => {
    const parallel = start({ maxConcurrency: 2 });
    const answers = (await Promise.all([parallel.invoke({ action: 'sleep', ms: 300 }), parallel.invoke({ action: 'sleep', ms: 300 })])) as Answer[];
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(2);

    const serial = start({ maxConcurrency: 1 });
    const started = Date.now();
    const serialAnswers = (await Promise.all([serial.invoke({ action: 'sleep', ms: 300 }), serial.invoke({ action: 'sleep', ms: 300 })])) as Answer[];
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(new Set(serialAnswers.map((answer) => answer.pid)).size).toBe(1);
  });

  it('warms as many environments as asked, at most maxConcurrency, each ready for an invocation', async () => {
    const lambda = start({ maxConcurrency: 3 });
    await lambda.warm(5);
    const answers = (await Promise.all([1, 2, 3].map(() => lambda.invoke({ action: 'sleep', ms: 200 })))) as Answer[];
    // Three environments took the three at once, and only three were ever initialised: warm(5) stops at maxConcurrency.
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(3);
    expect(lines.filter((line) => /Init Duration/.test(line))).toHaveLength(3);
  });

  it('stops an invocation at the timeout and starts a fresh environment afterwards', async () => {
    const lambda = start({ timeoutSeconds: 1 });
    const before = (await lambda.invoke({})) as Answer;
    const started = Date.now();
    const error = await lambda.invoke({ action: 'sleep', ms: 5000 }).catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(error).toBeInstanceOf(LambdaInvokeError);
    expect(error).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    const after = (await lambda.invoke({})) as Answer;
    expect(after.pid).not.toBe(before.pid);
    expect(after.invocations).toBe(1);
  });

  it('reports a thrown error with its type and keeps the environment', async () => {
    const lambda = start();
    const first = (await lambda.invoke({})) as Answer;
    await expect(lambda.invoke({ action: 'throw' })).rejects.toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
    const after = (await lambda.invoke({})) as Answer;
    expect(after.pid).toBe(first.pid);
  });

  it('fails the invocation and replaces the environment after an uncaught exception', async () => {
    const lambda = start();
    const first = (await lambda.invoke({})) as Answer;
    await expect(lambda.invoke({ action: 'crash' })).rejects.toMatchObject({ errorType: 'Runtime.UncaughtException' });
    const after = (await lambda.invoke({})) as Answer;
    expect(after.pid).not.toBe(first.pid);
  });

  it('hands an invocation meant for an idle environment killed from outside (its exit not noticed yet) to a fresh one, as Lambda never invokes a dead one', async () => {
    const logs: string[] = [];
    const lambda = start({ log: (line: string) => logs.push(line) });
    const first = (await lambda.invoke({})) as Answer;
    process.kill(first.pid, 'SIGKILL');
    // Hold the event loop until the process is gone, so the runner has not seen its exit when it hands over the next invocation.
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // busy wait
    }
    const after = (await lambda.invoke({})) as Answer;
    expect(after.pid).not.toBe(first.pid);
    expect(after.invocations).toBe(1);
    // One REPORT per invocation that ran: the undelivered one is not reported.
    expect(logs.filter((line) => line.startsWith('REPORT'))).toHaveLength(2);
  });

  it('fails an invocation whose environment is killed while it runs', async () => {
    const lambda = start();
    const first = (await lambda.invoke({})) as Answer;
    const running = lambda.invoke({ action: 'sleep', ms: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(first.pid, 'SIGKILL');
    await expect(running).rejects.toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with signal SIGKILL' });
    expect(((await lambda.invoke({})) as Answer).pid).not.toBe(first.pid);
  });

  it('supports callback-style handlers', async () => {
    await expect(start({ handler: 'index.callbackHandler' }).invoke({ a: 1 })).resolves.toEqual({ echoed: { a: 1 } });
  });

  it('reports a missing handler at warm-up, as Lambda does at init', async () => {
    await expect(start({ handler: 'index.missing' }).warm()).rejects.toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
  });

  it('forwards console output in Lambda text format with the request id, and a REPORT line', async () => {
    const answer = (await start().invoke({ action: 'log' })) as Answer;
    const requestId = answer.context.awsRequestId;
    const logLine = new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[^\\t]+\\t${requestId}\\tINFO\\thello from stack-TestFunction$`);
    // The worker's stdout pipe and its IPC answer are separate channels: on a busy machine the
    // line can arrive just after the answer, so wait for it briefly rather than race it.
    const deadline = Date.now() + 2_000;
    while (!lines.some((line) => logLine.test(line)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines).toContainEqual(expect.stringMatching(logLine));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: `)));
  });
});
