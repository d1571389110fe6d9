// What the browser test files do to the local run besides clicking: the admin CLI (accounts, portal
// links), events published with PutEvents, and the management API with an account's API key.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { type LocalRunProcess, repositoryRoot } from '../../e2e/support/local-run-process';

export interface Account {
  readonly accountId: string;
  readonly apiKey: string;
}

/** `npm run admin -- ARGV --json` against the run's outputs. */
export async function adminCli(run: LocalRunProcess, ...argv: string[]): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/admin.ts', ...argv, '--json', '--outputs', join(run.outputDir, 'outputs.json')], {
    cwd: repositoryRoot,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(stdout) as Record<string, string>;
}

/** A new account of its own, so a test's counts, previews and endpoints are only its own. */
export async function createAccount(run: LocalRunProcess, name: string): Promise<Account> {
  return (await adminCli(run, 'create-account', '--name', name)) as unknown as Account;
}

/** A portal link for the account, as an operator gets one: `npm run admin -- portal-link --account ID [--scope read] --json`. */
export async function portalLinkFor(run: LocalRunProcess, account: Account, scope: 'read' | 'manage' = 'manage'): Promise<string> {
  const link = await adminCli(run, 'portal-link', '--account', account.accountId, '--scope', scope);
  if (!link.url?.startsWith(`${run.outputs.apiUrl}/portal#token=grp_`)) throw new Error(`not a portal link: ${link.url}`);
  return link.url;
}

/** Click events for the account, with the catalogue's sample data changed by `data`. */
export async function publishClicks(run: LocalRunProcess, events: EventBridgeClient, account: Account, clickIds: readonly string[], data: Record<string, unknown> = {}): Promise<void> {
  const answer = await events.send(
    new PutEventsCommand({
      Entries: clickIds.map((clickId) => ({
        EventBusName: run.outputs.eventBusName,
        Source: run.outputs.eventSource,
        DetailType: 'click',
        Detail: JSON.stringify({ account_id: account.accountId, data: { ...EVENT_CATALOGUE.click.example, ...data, click_id: clickId } }),
      })),
    }),
  );
  if (answer.FailedEntryCount !== 0) throw new Error(`PutEvents refused ${answer.FailedEntryCount} entries`);
}

/** One call to the management API with the account's API key: its status and JSON body. */
export async function callApi<T = Record<string, unknown>>(run: LocalRunProcess, account: Account, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${run.outputs.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${account.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** Everything a browser suite started, stopped in the order that leaves nothing running (each may be absent after a failed start). */
export async function stopSuite(parts: {
  events?: { destroy(): void } | undefined;
  browser?: { close(): Promise<void> } | undefined;
  receiver?: { close(): Promise<void> } | undefined;
  run?: LocalRunProcess | undefined;
}): Promise<void> {
  parts.events?.destroy();
  await parts.browser?.close();
  await parts.receiver?.close();
  if (parts.run) {
    await parts.run.stop('SIGTERM');
    rmSync(parts.run.outputDir, { recursive: true, force: true });
  }
}
