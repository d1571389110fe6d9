// `npm start`: the whole system on this machine, as README.md "Quick start" and local/README.md
// describe. This file is the command only: arguments (start-args.ts), signals (stop-signals.ts),
// and what it prints; local-run.ts starts and stops the parts.
//
//   npm start [-- --persist DIR] [--no-synth] [--verbose]
import { relative, resolve } from 'node:path';
import { visiblePrefix } from '../lambdas/api/api-keys';
import { type LocalRun, startLocalRun } from './local-run';
import { localOutputDir } from './outputs';
import { functionOverridesFrom, parseStartArgs, portFrom, positiveInteger, START_USAGE, type StartArgs } from './start-args';
import { handleStopSignals } from './stop-signals';

/** Where the key is, and its prefix to tell keys apart: never the key itself in a log line. */
export function outputsLine(run: Pick<LocalRun, 'outputs' | 'outputsPath'>, cwd: string = process.cwd()): string {
  const shown = relative(cwd, run.outputsPath);
  const path = shown === '' || shown.startsWith('..') ? run.outputsPath : shown;
  return `[local] outputs in ${path}: account ${run.outputs.accountId}, API key ${visiblePrefix(run.outputs.apiKey)}... (the full key is the file's "apiKey")`;
}

async function main(): Promise<void> {
  const started = performance.now();
  // The functions run on Node 22 in Lambda; the SDK's note about this machine's Node is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const print = (line: string) => process.stdout.write(`${line}\n`);
  let args: StartArgs;
  try {
    args = parseStartArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${START_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    print(START_USAGE);
    return;
  }
  const root = resolve(__dirname, '..');
  const signals = handleStopSignals(print);
  let run: LocalRun;
  try {
    run = await startLocalRun({
      root,
      stackName: 'GeoRedirWebhooks',
      apiPort: await portFrom(process.env.PORT, 3000, 'PORT'),
      awsPort: await portFrom(process.env.AWS_LOCAL_PORT, 4566, 'AWS_LOCAL_PORT'),
      outputDir: localOutputDir(root),
      ...(args.persistDir ? { persistDir: args.persistDir } : {}),
      skipSynth: args.skipSynth,
      ...(process.env.LOCAL_CDK_OUT ? { cdkOut: process.env.LOCAL_CDK_OUT } : {}),
      functionOverrides: functionOverridesFrom(process.env),
      verbose: args.verbose,
      ...(process.env.LOCAL_WARM_ENVIRONMENTS ? { warmEnvironments: positiveInteger(process.env.LOCAL_WARM_ENVIRONMENTS, 'LOCAL_WARM_ENVIRONMENTS') } : {}),
      print,
      signal: signals.startAborted,
    });
  } catch (error) {
    if (signals.startAborted.aborted) {
      print('[local] stopped');
      process.exit(0);
    }
    console.error(`[local] start failed: ${(error as Error).message}`);
    process.exit(1);
  }
  signals.started(run);
  const { outputs } = run;
  print(outputsLine(run));
  print(
    `[local] ready in ${((performance.now() - started) / 1000).toFixed(1)} s: API ${outputs.apiUrl}  AWS endpoint ${outputs.awsEndpoint}` +
      `  (bus ${outputs.eventBusName}, source ${outputs.eventSource}, region ${outputs.region})`,
  );
}

if (require.main === module) void main();
