// One Lambda execution environment: a plain Node process (no tsx, no test hooks) that loads a
// synthesized bundle like the Lambda Node.js runtime does and runs one invocation at a time for
// lambda-runner.ts over the IPC channel. Its process.env is the function's environment only.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const handlerSetting = process.env._HANDLER ?? '';
let currentRequestId;

// Lambda's Node runtime prefixes console output with time, request id and level (text format).
for (const [method, level] of [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['debug', 'DEBUG'],
  ['trace', 'TRACE'],
]) {
  const stream = level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout;
  console[method] = (...args) => {
    stream.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`);
  };
}

// Lambda runs the template's Node.js runtime (22+), where the SDK's "upgrade your Node" warning
// never appears; on an older local Node it is noise in every function's log.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

// The parent decides when this environment ends (Ctrl-C reaches the whole process group).
process.on('SIGINT', () => undefined);
// A parent that died without killing us must not leave us behind.
process.on('disconnect', () => process.exit(0));

function describeError(error, fallbackType) {
  if (error instanceof Error) {
    return {
      errorType: error.name && error.name !== 'Error' ? error.name : fallbackType ?? 'Error',
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType ?? 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error), trace: [] };
}

function failProcess(kind, error) {
  // As in Lambda, an error escaping the handler ends this environment; the invocation fails.
  const described = describeError(error, kind);
  process.stderr.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\tERROR\t${kind}\t${described.errorMessage}\n`);
  const exit = () => process.exit(129);
  if (!process.connected) exit();
  process.send({ type: 'error', id: currentRequestId, error: { ...described, errorType: kind } }, exit);
}
process.on('uncaughtException', (error) => failProcess('Runtime.UncaughtException', error));
process.on('unhandledRejection', (reason) => failProcess('Runtime.UnhandledPromiseRejection', reason));

async function loadHandler() {
  const dot = handlerSetting.lastIndexOf('.');
  if (dot <= 0) throw Object.assign(new Error(`Bad handler ${handlerSetting}: expected module.function`), { name: 'Runtime.MalformedHandlerName' });
  const modulePath = handlerSetting.slice(0, dot);
  const functionPath = handlerSetting.slice(dot + 1);
  const base = join(taskRoot, modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((extension) => base + extension).find((candidate) => existsSync(candidate));
  if (!file) throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: 'Runtime.ImportModuleError' });
  const loaded = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : createRequire(file)(file);
  const handler = functionPath.split('.').reduce((object, key) => (object == null ? undefined : object[key]), loaded);
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${modulePath}.${functionPath} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

function buildContext(message) {
  const deadline = message.deadlineMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.id,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Async handlers return a promise; older ones take a callback as third argument. */
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (result) => callback(null, result),
        (error) => callback(error ?? new Error('handler rejected')),
      );
    } else if (handler.length < 3) {
      callback(null, returned);
    }
  });
}

let handler;
try {
  handler = await loadHandler();
  process.send({ type: 'ready' });
} catch (error) {
  process.send({ type: 'init-error', error: describeError(error, 'Runtime.ImportModuleError') }, () => process.exit(1));
}

process.on('message', async (message) => {
  if (message?.type !== 'invoke') return;
  currentRequestId = message.id;
  // The runner knows from this that the invocation reached a live runtime (see lambda-runner.ts).
  process.send({ type: 'started', id: message.id });
  try {
    const result = await runHandler(handler, JSON.parse(message.event), buildContext(message));
    // Lambda serialises the result as JSON; undefined becomes null.
    process.send({ type: 'result', id: message.id, payload: JSON.stringify(result === undefined ? null : result) });
  } catch (error) {
    process.send({ type: 'error', id: message.id, error: describeError(error) });
  } finally {
    currentRequestId = undefined;
  }
});
