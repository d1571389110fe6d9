// Accounts and their endpoint lists, cached per dispatcher instance for a few seconds, so a busy
// account is not read once per event (its partition would run hot). What the cache may hold back
// for up to `ttlMs`: a new account or endpoint, a plan change, a subscription change. It never
// decides whether an endpoint may be sent to: the service reads each endpoint again, strongly
// consistent, in every batch before sending (a disabled or deleted endpoint is never sent to).
import type { Account, Endpoint } from '../domain/model';
import type { DeliveryStore } from './delivery-store';

export interface AccountView {
  /** Undefined for an unknown account. */
  readonly account?: Account;
  readonly endpoints: readonly Endpoint[];
}

export const DEFAULT_ACCOUNT_CACHE_MS = 5_000;

export class AccountDirectory {
  private readonly entries = new Map<string, { view: Promise<AccountView>; expiresAt: number }>();

  constructor(
    private readonly store: Pick<DeliveryStore, 'getAccount' | 'listEndpoints'>,
    private readonly ttlMs: number = DEFAULT_ACCOUNT_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async get(accountId: string): Promise<AccountView> {
    const now = this.now();
    const cached = this.entries.get(accountId);
    if (cached && cached.expiresAt > now) return cached.view;
    const view = this.load(accountId);
    this.entries.set(accountId, { view, expiresAt: now + this.ttlMs });
    // A failed read is not cached: the next batch asks again.
    view.catch(() => this.entries.delete(accountId));
    return view;
  }

  /**
   * The account and its endpoint list at once: a miss waits for one read, not two in a row. An
   * unknown account's (empty) endpoint list is read for nothing; its events are rejected anyway.
   */
  private async load(accountId: string): Promise<AccountView> {
    const [account, endpoints] = await Promise.all([this.store.getAccount(accountId), this.store.listEndpoints(accountId)]);
    return account ? { account, endpoints } : { endpoints: [] };
  }
}
