// Starts `npm start`'s entry (local/start.ts) as a child process on free ports with its own
// output directory, waits for its `ready` line, and can list and stop its process tree.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildRun, descendantsOf, REPOSITORY_ROOT, startChildRun } from '../../../local/child-run';
import { findFreePort } from '../../../local/dynamodb-local';

export { descendantsOf };

export interface LocalRunProcess extends ChildRun {
  readonly outputDir: string;
  /** Every stdout and stderr line so far. */
  readonly lines: string[];
}

export const repositoryRoot = REPOSITORY_ROOT;

/** `args` go to `npm start` (e.g. `--verbose`). */
export async function startLocalRunProcess(env: Record<string, string>, readyTimeoutMs: number, args: readonly string[] = []): Promise<LocalRunProcess> {
  const outputDir = mkdtempSync(join(tmpdir(), 'georedir-local-run-'));
  const lines: string[] = [];
  const run = await startChildRun({
    args,
    outputDir,
    readyTimeoutMs,
    onLine: (line) => lines.push(line),
    env: {
      PORT: String(await findFreePort()),
      AWS_LOCAL_PORT: String(await findFreePort()),
      // Tests create endpoints and publish at once: no account caching in the dispatcher.
      ACCOUNT_CACHE_SECONDS: '0',
      ...env,
    },
  });
  return { ...run, outputDir, lines };
}

/** Running, not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
