// The local run's ready-made account and API key. With `--persist` the pair is remembered next to
// the data and reused while the key still works, so a restart keeps the same credentials.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ManagementStore } from '../lambdas/adapters/management-store';
import { hashApiKey } from '../lambdas/api/api-keys';
import { createAccount } from './shared/accounts';

export interface DevAccount {
  readonly accountId: string;
  readonly apiKey: string;
  readonly reused: boolean;
}

const DEV_ACCOUNT_NAME = 'Local development';
const DEV_MAX_ENDPOINTS = 50;

export async function provisionDevAccount(store: ManagementStore, stateFile?: string): Promise<DevAccount> {
  const saved = stateFile ? readSaved(stateFile) : undefined;
  if (saved && (await stillValid(store, saved))) return { ...saved, reused: true };
  const created = await createAccount(store, { name: DEV_ACCOUNT_NAME, maxEndpoints: DEV_MAX_ENDPOINTS, webhooksEnabled: true });
  if (stateFile) {
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, `${JSON.stringify({ accountId: created.accountId, apiKey: created.apiKey }, null, 2)}\n`, { mode: 0o600 });
  }
  return { accountId: created.accountId, apiKey: created.apiKey, reused: false };
}

function readSaved(stateFile: string): { accountId: string; apiKey: string } | undefined {
  if (!existsSync(stateFile)) return undefined;
  const parsed = JSON.parse(readFileSync(stateFile, 'utf8')) as { accountId?: unknown; apiKey?: unknown };
  return typeof parsed.accountId === 'string' && typeof parsed.apiKey === 'string' ? { accountId: parsed.accountId, apiKey: parsed.apiKey } : undefined;
}

async function stillValid(store: ManagementStore, saved: { accountId: string; apiKey: string }): Promise<boolean> {
  const key = await store.apiKeys.findApiKey(hashApiKey(saved.apiKey));
  return key !== undefined && key.revokedAt === undefined && key.accountId === saved.accountId && (await store.accounts.getAccount(saved.accountId)) !== undefined;
}
