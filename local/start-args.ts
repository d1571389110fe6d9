// `npm start`'s command line and environment: flags, ports, and the variables passed on to every
// function over the template's values.
import { findFreePort } from './dynamodb-local';

export interface StartArgs {
  persistDir?: string;
  skipSynth: boolean;
  verbose: boolean;
  help: boolean;
}

export const START_USAGE = `usage: npm start [-- --persist DIR] [--no-synth] [--verbose]
  --persist DIR   keep DynamoDB data, queued messages, schedules and the dev account in DIR
  --no-synth      run cdk.out as it is, even when older than the sources
  --verbose       log every AWS endpoint and HTTP API request
env: PORT (3000), AWS_LOCAL_PORT (4566), LOCAL_OUTPUT_DIR (.local), RETRY_SCHEDULE_SECONDS,
     ALLOW_PRIVATE_ENDPOINTS (default true locally), DELIVERY_TIMEOUT_MS, ATTEMPT_RETENTION_DAYS,
     ACCOUNT_CACHE_SECONDS, LOCAL_WARM_ENVIRONMENTS (1: execution environments each function starts with)
local-only: GET/POST /_local/clock (advance the AWS endpoint's clock), GET /_local/events`;

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const args: StartArgs = { skipSynth: false, verbose: false, help: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--persist' || arg.startsWith('--persist=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[(index += 1)];
      if (!value) throw new Error('--persist needs a directory');
      args.persistDir = value;
    } else if (arg === '--no-synth') args.skipSynth = true;
    else if (arg === '--verbose') args.verbose = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  return args;
}

/** The variables `npm start` passes on to every function (local/README.md, "Local settings"). */
export function functionOverridesFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const overrides: Record<string, string> = { ALLOW_PRIVATE_ENDPOINTS: env.ALLOW_PRIVATE_ENDPOINTS || 'true' };
  if (env.RETRY_SCHEDULE_SECONDS) overrides.RETRY_SCHEDULE_SECONDS = env.RETRY_SCHEDULE_SECONDS;
  if (env.DELIVERY_TIMEOUT_MS) overrides.DELIVERY_TIMEOUT_MS = env.DELIVERY_TIMEOUT_MS;
  if (env.ACCOUNT_CACHE_SECONDS) overrides.ACCOUNT_CACHE_SECONDS = env.ACCOUNT_CACHE_SECONDS;
  if (env.ATTEMPT_RETENTION_DAYS) overrides.ATTEMPT_RETENTION_DAYS = env.ATTEMPT_RETENTION_DAYS;
  return overrides;
}

/** A whole number of at least 1 from the environment, or a clear error. */
export function positiveInteger(value: string, variable: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`${variable} must be a whole number of at least 1, got ${value}`);
  return number;
}

/** A port from the environment; 0 picks a free one. */
export async function portFrom(value: string | undefined, fallback: number, variable: string): Promise<number> {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${variable} must be a port number, got ${value}`);
  return port === 0 ? findFreePort() : port;
}
