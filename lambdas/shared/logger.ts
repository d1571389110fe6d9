// Structured JSON log lines for the Lambda handlers, in the shape Powertools Logger writes them
// (level, message, timestamp, service, cold_start, function_* and request id, then the fields),
// without its 20 KB and its init cost. One line per call on stdout, which Lambda ships to
// CloudWatch Logs as is. Callers never pass secrets; nothing here adds any.
import type { Context } from 'aws-lambda';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const RANK: Readonly<Record<LogLevel, number>> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };

export interface LoggerOptions {
  /** Default: POWERTOOLS_SERVICE_NAME, else `service_undefined` (as Powertools). */
  readonly serviceName?: string;
  /** Default: POWERTOOLS_LOG_LEVEL, AWS_LAMBDA_LOG_LEVEL or LOG_LEVEL, else INFO. */
  readonly level?: LogLevel;
  /** Where lines go; default stdout. */
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What the services log through: the Logger in a function, a quiet or recording stand-in in tests. */
export interface Log {
  info(message: string, ...fields: Record<string, unknown>[]): void;
  warn(message: string, ...fields: Record<string, unknown>[]): void;
  error(message: string, ...fields: Record<string, unknown>[]): void;
}

export class Logger implements Log {
  private readonly service: string;
  private readonly threshold: number;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;
  private context: Record<string, unknown> = {};
  private coldStart = true;

  constructor(options: LoggerOptions = {}) {
    const env = options.env ?? process.env;
    this.service = options.serviceName ?? env['POWERTOOLS_SERVICE_NAME'] ?? 'service_undefined';
    this.threshold = RANK[options.level ?? levelFrom(env)];
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? (() => new Date());
  }

  /** Adds the invocation's function and request fields to every following line. */
  addContext(context: Context): void {
    this.context = {
      cold_start: this.coldStart,
      function_arn: context.invokedFunctionArn,
      function_memory_size: Number(context.memoryLimitInMB),
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
    };
    this.coldStart = false;
  }

  debug(message: string, ...fields: Record<string, unknown>[]): void {
    this.log('DEBUG', message, fields);
  }
  info(message: string, ...fields: Record<string, unknown>[]): void {
    this.log('INFO', message, fields);
  }
  warn(message: string, ...fields: Record<string, unknown>[]): void {
    this.log('WARN', message, fields);
  }
  error(message: string, ...fields: Record<string, unknown>[]): void {
    this.log('ERROR', message, fields);
  }

  private log(level: LogLevel, message: string, fields: Record<string, unknown>[]): void {
    if (RANK[level] < this.threshold) return;
    const line: Record<string, unknown> = { level, message, timestamp: this.now().toISOString(), service: this.service, ...this.context };
    const traceId = process.env['_X_AMZN_TRACE_ID'];
    if (traceId) line.xray_trace_id = traceId.split(';')[0]?.replace('Root=', '');
    for (const extra of fields) for (const [key, value] of Object.entries(extra)) line[key] = value instanceof Error ? describeError(value) : value;
    this.write(JSON.stringify(line));
  }
}

function levelFrom(env: Readonly<Record<string, string | undefined>>): LogLevel {
  const named = (env['POWERTOOLS_LOG_LEVEL'] ?? env['AWS_LAMBDA_LOG_LEVEL'] ?? env['LOG_LEVEL'] ?? 'INFO').toUpperCase();
  if (named === 'WARNING') return 'WARN';
  if (named === 'TRACE') return 'DEBUG';
  if (named === 'CRITICAL' || named === 'FATAL' || named === 'SILENT') return 'ERROR';
  return named in RANK ? (named as LogLevel) : 'INFO';
}

/** As Powertools: name, the first stack frame's location, message, stack. */
function describeError(error: Error): Record<string, unknown> {
  const location = /\((.*):(\d+):(\d+)\)/.exec(error.stack ?? '');
  return {
    name: error.name,
    location: location ? `${location[1]}:${location[2]}` : '',
    message: error.message,
    stack: error.stack,
  };
}
