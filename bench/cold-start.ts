// Cold start: how big the deployed bundles are and how long the dispatcher's module init takes,
// against a bare bundle that only constructs the same AWS SDK clients.
//
//   npm run bench:cold-start [-- --json] [-- --runs 15] [-- --source-maps]
//
// Bundles are the `cdk synth` assets in cdk.out (synthesized first when older than the sources).
// The bare bundle is built by esbuild with the options every WebhookFunction is bundled with.
// Init is timed inside fresh Node processes (require() of the bundle, nothing else), with the
// function's own environment from the template, the bundles alternating, medians reported: on a
// shared machine only the ratio of figures taken side by side means anything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { BUNDLING_DEFAULTS } from '../lib/constructs/webhook-function';
import { ensureSynthesized } from '../local/synth';
import { readSynthesizedStack, resourcesOfType } from '../local/template';

const ROOT = join(__dirname, '..');
const STACK_NAME = 'GeoRedirWebhooks';
const DEFAULT_RUNS = 11;
const MIN_RUNS = 9;

/** Issue 10's targets: the SDK clients alone are about 660 KB. */
export const TARGETS: Readonly<Record<string, number>> = { dispatcher_bundle_kb: 760, api_bundle_kb: 800, dispatcher_init_ratio: 1.2 };

export interface ColdStartFigures {
  /** Size of the deployed dispatcher bundle (index.js, 1 KB = 1000 bytes). */
  dispatcher_bundle_kb: number;
  /** Size of the deployed management API bundle. */
  api_bundle_kb: number;
  /** Median time to require() the dispatcher bundle in a fresh process. */
  dispatcher_init_ms: number;
  /** Median time to require() the bare bundle (the same SDK clients, nothing else). */
  bare_init_ms: number;
  /** dispatcher_init_ms / bare_init_ms, from the same alternating runs. */
  dispatcher_init_ratio: number;
  /** The same runs' CPU time (user + system) of the require(). */
  dispatcher_init_cpu_ms: number;
  bare_init_cpu_ms: number;
  dispatcher_init_cpu_ratio: number;
}

export interface ColdStartOptions {
  /** Fresh processes per bundle; at least 9. */
  runs?: number;
  /** Progress lines (synthesis); default silent. */
  log?: (line: string) => void;
}

interface DeployedFunction {
  /** Absolute path of the bundle's index.js. */
  bundle: string;
  /** The function's environment, CloudFormation references replaced by plausible values. */
  environment: Record<string, string>;
}

export async function measureColdStart(options: ColdStartOptions = {}): Promise<ColdStartFigures> {
  const runs = Math.max(MIN_RUNS, options.runs ?? DEFAULT_RUNS);
  const { dispatcher, api } = await deployedFunctions(options.log ?? (() => undefined));
  const bareDir = mkdtempSync(join(tmpdir(), 'georedir-cold-start-'));
  try {
    const bare = await buildBareBundle(bareDir);
    const [dispatcherTimes = [], bareTimes = []] = measureInit([dispatcher.bundle, bare], dispatcher.environment, runs);
    const dispatcherInit = median(dispatcherTimes.map((time) => time.wallMs));
    const bareInit = median(bareTimes.map((time) => time.wallMs));
    const dispatcherCpu = median(dispatcherTimes.map((time) => time.cpuMs));
    const bareCpu = median(bareTimes.map((time) => time.cpuMs));
    return {
      dispatcher_bundle_kb: kilobytes(dispatcher.bundle),
      api_bundle_kb: kilobytes(api.bundle),
      dispatcher_init_ms: round(dispatcherInit, 1),
      bare_init_ms: round(bareInit, 1),
      dispatcher_init_ratio: round(dispatcherInit / bareInit, 2),
      dispatcher_init_cpu_ms: round(dispatcherCpu, 1),
      bare_init_cpu_ms: round(bareCpu, 1),
      dispatcher_init_cpu_ratio: round(dispatcherCpu / bareCpu, 2),
    };
  } finally {
    rmSync(bareDir, { recursive: true, force: true });
  }
}

/** The dispatcher's and the management API's bundle folders and environments, from the template. */
async function deployedFunctions(log: (line: string) => void): Promise<{ dispatcher: DeployedFunction; api: DeployedFunction }> {
  await ensureSynthesized({ root: ROOT, stackName: STACK_NAME, log });
  const stack = readSynthesizedStack(join(ROOT, 'cdk.out'), STACK_NAME);
  const find = (constructId: string): DeployedFunction => {
    const found = resourcesOfType(stack.template, 'AWS::Lambda::Function').find(({ resource }) =>
      String(resource.Metadata?.['aws:cdk:path'] ?? '').endsWith(`/${constructId}/Resource`),
    );
    const assetPath = found?.resource.Metadata?.['aws:asset:path'];
    if (!found || typeof assetPath !== 'string') throw new Error(`no ${constructId} with a bundled asset in ${stack.templatePath}`);
    const variables = ((found.resource.Properties?.['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
    return { bundle: join(stack.cdkOutDir, assetPath, 'index.js'), environment: plausibleEnvironment(variables) };
  };
  return { dispatcher: find('DispatcherFunction'), api: find('ManagementFunction') };
}

/** Literal values as they are; references (Ref, Fn::GetAtt) as values of the right shape. */
function plausibleEnvironment(variables: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value === 'string') result[name] = value;
    else if (name.endsWith('_URL')) result[name] = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench';
    else if (name.endsWith('_ARN')) result[name] = 'arn:aws:iam::123456789012:role/bench';
    else result[name] = 'bench';
  }
  return result;
}

/** The baseline: the same four SDK clients the functions construct, bundled as they are. */
async function buildBareBundle(outDir: string): Promise<string> {
  const outfile = join(outDir, 'index.js');
  await build({
    stdin: {
      contents: "import { createAwsClients } from './lambdas/shared/aws-clients';\nexport const clients = createAwsClients();\n",
      resolveDir: ROOT,
      sourcefile: 'bare.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: BUNDLING_DEFAULTS.target,
    format: BUNDLING_DEFAULTS.format,
    minify: BUNDLING_DEFAULTS.minify,
    sourcemap: BUNDLING_DEFAULTS.sourceMap,
    sourcesContent: BUNDLING_DEFAULTS.sourcesContent,
    external: [...BUNDLING_DEFAULTS.externalModules],
    mainFields: [...BUNDLING_DEFAULTS.mainFields],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** What a Lambda sandbox sets besides the function's own variables. */
const LAMBDA_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  // Lambda runs Node 22; on the Node 20 of a dev machine the SDK would print a support notice.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// Wall time is what a cold start costs; CPU time (user + system) is the same work with the
// waiting for a busy machine's cores left out, a steadier second view on a shared host.
const TIME_REQUIRE =
  'const cpu = process.cpuUsage(); const started = performance.now(); require(process.argv[1]);' +
  'const wallMs = performance.now() - started; const used = process.cpuUsage(cpu);' +
  'process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));';

export interface InitTime {
  wallMs: number;
  cpuMs: number;
}

/**
 * Time to require() each bundle, `runs` fresh processes each, in alternating order (A B, B A,
 * ...) so drift in the machine's load falls on both. Returns one list per bundle.
 */
export function measureInit(bundles: readonly string[], environment: Record<string, string>, runs: number): InitTime[][] {
  const times = bundles.map((): InitTime[] => []);
  const env = { PATH: process.env.PATH ?? '', ...LAMBDA_ENVIRONMENT, ...environment };
  for (let run = 0; run < runs; run += 1) {
    const order = bundles.map((_, index) => index);
    if (run % 2 === 1) order.reverse();
    for (const index of order) {
      const bundle = bundles[index] as string;
      const child = spawnSync(process.execPath, ['-e', TIME_REQUIRE, bundle], { env, encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`init of ${bundle} failed (exit ${child.status}): ${child.stderr.trim().slice(-2000)}`);
      times[index]?.push(JSON.parse(child.stdout) as InitTime);
    }
  }
  return times;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function kilobytes(file: string): number {
  return round(statSync(file).size / 1000, 1);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Init with and without --enable-source-maps, for the note on what source maps cost in docs/performance.md, "Cold start". */
async function sourceMapCost(runs: number): Promise<Record<string, number>> {
  const { dispatcher } = await deployedFunctions(() => undefined);
  const bareDir = mkdtempSync(join(tmpdir(), 'georedir-cold-start-'));
  try {
    const bare = await buildBareBundle(bareDir);
    const settings = {
      source_maps: { ...dispatcher.environment, NODE_OPTIONS: '--enable-source-maps' },
      no_source_maps: { ...dispatcher.environment, NODE_OPTIONS: '' },
    };
    const times: Record<string, InitTime[]> = {};
    // Both settings interleaved too: four series from the same stretch of time.
    for (let run = 0; run < runs; run += 1) {
      for (const [setting, environment] of Object.entries(settings)) {
        const [dispatcherTime = [], bareTime = []] = measureInit([dispatcher.bundle, bare], environment, 1);
        (times[`dispatcher_init_ms_${setting}`] ??= []).push(...dispatcherTime);
        (times[`bare_init_ms_${setting}`] ??= []).push(...bareTime);
      }
    }
    return Object.fromEntries(Object.entries(times).map(([name, series]) => [name, round(median(series.map((time) => time.wallMs)), 1)]));
  } finally {
    rmSync(bareDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, runs: { type: 'string' }, 'source-maps': { type: 'boolean' } } });
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  if (!Number.isInteger(runs) || runs < MIN_RUNS) throw new Error(`--runs must be a whole number of at least ${MIN_RUNS}`);
  const log = values.json ? () => undefined : (line: string) => console.error(line);
  const figures: Record<string, number> = { ...(await measureColdStart({ runs, log })) };
  if (values['source-maps']) Object.assign(figures, await sourceMapCost(runs));
  if (values.json) {
    console.log(JSON.stringify(figures));
    return;
  }
  console.log(`Cold start (${runs} fresh processes per bundle, alternating; medians)`);
  const width = Math.max(...Object.keys(figures).map((name) => name.length));
  for (const [name, value] of Object.entries(figures)) {
    const target = TARGETS[name];
    console.log(`  ${name.padEnd(width)}  ${String(value).padStart(7)}${target === undefined ? '' : `   target <= ${target}`}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
