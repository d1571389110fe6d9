// Envelope encryption of the secrets an endpoint item holds (its signing secrets, its custom header
// values): AES-256-GCM under a data key that AWS KMS made and wrapped. The wrapped data key travels
// with each sealed value, so only a caller allowed kms:Decrypt on the key can open one; the table,
// its backups, exports and stream hold ciphertext only. Data keys are cached per instance, so KMS
// is called once per data key and instance, never per delivery.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/** What the stores need: seal before a write, open after a read. */
export interface SecretSealer {
  /** `binding` ties the value to where it is kept (account, endpoint, field): moved elsewhere it does not open. */
  seal(plaintext: string, binding: string): Promise<string>;
  open(sealed: string, binding: string): Promise<string>;
}

export const SEALED_PREFIX = 'gws1.';
/** Every data key is made with this context; KMS refuses to unwrap one under another, and the roles' grants require it. */
export const SECRETS_ENCRYPTION_CONTEXT = { service: 'georedir-webhooks', purpose: 'endpoint-secrets' } as const;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealing instance makes a new data key this often (and a wrapped key is opened once per instance). */
const DATA_KEY_LIFETIME_MS = 3_600_000;
const MAX_CACHED_DATA_KEYS = 256;

interface DataKey {
  readonly plaintext: Buffer;
  readonly wrapped: string;
}

export class KmsSecretBox implements SecretSealer {
  private sealing: { readonly key: Promise<DataKey>; readonly since: number } | undefined;
  private readonly opened = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly kms: Pick<KMSClient, 'send'>,
    private readonly keyId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async seal(plaintext: string, binding: string): Promise<string> {
    const dataKey = await this.currentDataKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv).setAAD(Buffer.from(binding, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${dataKey.wrapped}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  async open(sealed: string, binding: string): Promise<string> {
    const [wrapped, iv, body] = sealed.startsWith(SEALED_PREFIX) ? sealed.slice(SEALED_PREFIX.length).split('.') : [];
    if (!wrapped || !iv || !body) throw new Error('not a sealed secret');
    const key = await this.unwrap(wrapped);
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      .setAAD(Buffer.from(binding, 'utf8'))
      .setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  /** Decided synchronously, so concurrent seals share one data key rather than each asking KMS. */
  private currentDataKey(): Promise<DataKey> {
    if (!this.sealing || this.now() - this.sealing.since >= DATA_KEY_LIFETIME_MS) {
      const made = this.makeDataKey();
      const sealing = { key: made, since: this.now() };
      made.catch(() => {
        if (this.sealing === sealing) this.sealing = undefined;
      });
      this.sealing = sealing;
    }
    return this.sealing.key;
  }

  private async makeDataKey(): Promise<DataKey> {
    const { Plaintext, CiphertextBlob } = await this.kms.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: SECRETS_ENCRYPTION_CONTEXT }));
    if (!Plaintext || !CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    const dataKey = { plaintext: Buffer.from(Plaintext), wrapped: Buffer.from(CiphertextBlob).toString('base64url') };
    this.opened.set(dataKey.wrapped, Promise.resolve(dataKey.plaintext));
    return dataKey;
  }

  /** One Decrypt per wrapped key and instance; a failed one is not kept. */
  private unwrap(wrapped: string): Promise<Buffer> {
    let key = this.opened.get(wrapped);
    if (!key) {
      key = this.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(wrapped, 'base64url'), EncryptionContext: SECRETS_ENCRYPTION_CONTEXT, KeyId: this.keyId })).then(({ Plaintext }) => {
        if (!Plaintext) throw new Error('KMS Decrypt returned no key');
        return Buffer.from(Plaintext);
      });
      key.catch(() => this.opened.delete(wrapped));
      if (this.opened.size >= MAX_CACHED_DATA_KEYS) this.opened.delete(this.opened.keys().next().value as string);
      this.opened.set(wrapped, key);
    }
    return key;
  }
}
