// Makes sure cdk.out holds a template built from the current sources: reuse it when it is newer
// than everything the CDK app reads, otherwise run `cdk synth` (offline, bundling with esbuild).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface SynthOptions {
  readonly root: string;
  readonly stackName: string;
  /** Relative to root; default cdk.out. */
  readonly outDir?: string;
  readonly log: (line: string) => void;
  /** Kills `cdk synth` when aborted. */
  readonly signal?: AbortSignal;
}

/** What the app and its bundles are built from. */
const SOURCES = ['bin', 'lib', 'lambdas', 'portal', 'cdk.json', 'package-lock.json'];

export function templateIsFresh(root: string, templatePath: string): boolean {
  if (!existsSync(templatePath)) return false;
  const built = statSync(templatePath).mtimeMs;
  return SOURCES.every((source) => newestModification(join(root, source)) <= built);
}

function newestModification(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestModification(join(path, entry)));
  }
  return newest;
}

/** Synthesizes unless the template is fresh; returns whether it ran. */
export async function ensureSynthesized(options: SynthOptions): Promise<{ synthesized: boolean; durationMs: number }> {
  const outDir = options.outDir ?? 'cdk.out';
  const templatePath = join(options.root, outDir, `${options.stackName}.template.json`);
  if (templateIsFresh(options.root, templatePath)) return { synthesized: false, durationMs: 0 };
  options.log(`synthesizing ${options.stackName} (template missing or older than bin/, lib/, lambdas/, portal/, cdk.json)...`);
  const started = performance.now();
  const cli = join(options.root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  await run(process.execPath, [cli, 'synth', '--quiet', '--no-notices', '--output', outDir, options.stackName], options.root, options.signal);
  return { synthesized: true, durationMs: Math.round(performance.now() - started) };
}

function run(command: string, args: string[], cwd: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // The CDK app must not inherit test or loader flags of this process.
    const env = { ...process.env, NODE_OPTIONS: '' };
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`cdk synth failed (${signal ?? `exit code ${code}`}):\n${output.trim()}`));
    });
  });
}
