// Signing keys for portal tokens and paging cursors, derived from an AWS KMS HMAC key: the key of
// a UTC day is GenerateMac(<purpose>/<day>), made once per instance and day and kept only in
// memory. Whoever can read the table (a backup, an export, another role) learns nothing that signs;
// only a caller allowed kms:GenerateMac on the key can. A signature names its day, so the key in
// use changes every day without breaking what was signed the day before.
import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';

export interface SigningKeys {
  /** The key new signatures use at `now`, and the id a signature carries to name it. */
  current(now: Date): Promise<{ readonly id: string; readonly key: Buffer }>;
  /** The key a signature names, if it is one of the days still accepted at `now`; undefined otherwise. */
  byId(id: string, now: Date): Promise<Buffer | undefined>;
}

const DAY_MS = 86_400_000;
const DAY_ID = /^\d{4}-\d{2}-\d{2}$/;

export class KmsSigningKeys implements SigningKeys {
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly kms: Pick<KMSClient, 'send'>,
    private readonly keyId: string,
    /** Separates the keys of different uses of one KMS key (portal tokens, cursors). */
    private readonly purpose: string,
    /**
     * How many days back a signature stays verifiable: what it signs must not outlive this (a portal
     * link lives at most a day; a cursor a paging session). Also bounds the KMS calls a forged id can cause.
     */
    private readonly acceptedDays: number,
  ) {}

  async current(now: Date): Promise<{ id: string; key: Buffer }> {
    const id = dayOf(now.getTime());
    return { id, key: await this.derive(id) };
  }

  async byId(id: string, now: Date): Promise<Buffer | undefined> {
    if (!DAY_ID.test(id)) return undefined;
    const accepted = Array.from({ length: this.acceptedDays + 1 }, (_, back) => dayOf(now.getTime() - back * DAY_MS));
    return accepted.includes(id) ? this.derive(id) : undefined;
  }

  /** A failed call is not kept: the next request tries again. */
  private derive(day: string): Promise<Buffer> {
    let key = this.keys.get(day);
    if (!key) {
      key = this.generate(day).catch((error: unknown) => {
        this.keys.delete(day);
        throw error;
      });
      this.keys.set(day, key);
      // Only a few days are ever in use; older ones are dropped.
      for (const old of [...this.keys.keys()].slice(0, Math.max(0, this.keys.size - (this.acceptedDays + 2)))) this.keys.delete(old);
    }
    return key;
  }

  private async generate(day: string): Promise<Buffer> {
    const { Mac } = await this.kms.send(
      new GenerateMacCommand({ KeyId: this.keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(`georedir-webhooks/${this.purpose}/${day}`, 'utf8') }),
    );
    if (!Mac || Mac.length !== 32) throw new Error(`KMS GenerateMac gave no 32-byte MAC for the ${this.purpose} key`);
    return Buffer.from(Mac);
  }
}

function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
