// A local stand-in for the AWS KMS keys the stack declares: HMAC keys (GenerateMac, VerifyMac) and
// symmetric keys (GenerateDataKey, Encrypt, Decrypt). Key material is random per key and never
// leaves this process (except into the --persist state file); ciphertexts name their key and are
// bound to their encryption context, as KMS's are, so a wrong context or a tampered blob fails.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AwsServiceError } from './errors';

export type LocalKeySpec = 'SYMMETRIC_DEFAULT' | 'HMAC_256';

export interface LocalKmsKeyConfig {
  /** The key id (a UUID on AWS); its ARN is what the stack's references resolve to. */
  readonly keyId: string;
  readonly arn: string;
  readonly keySpec: LocalKeySpec;
}

/** What --persist keeps of a key: its material, so ciphertexts and MACs stay valid across restarts. */
export interface KmsKeySnapshot {
  readonly keyId: string;
  readonly material: string;
}

export type EncryptionContext = Readonly<Record<string, string>>;

const BLOB_MAGIC = Buffer.from('LKMS1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_MAC_MESSAGE_BYTES = 4096;
const MAX_PLAINTEXT_BYTES = 4096;

interface LocalKey extends LocalKmsKeyConfig {
  readonly material: Buffer;
}

export class KmsEngine {
  private readonly keys = new Map<string, LocalKey>();

  constructor(keys: readonly LocalKmsKeyConfig[], restored: readonly KmsKeySnapshot[] = []) {
    const materials = new Map(restored.map((snapshot) => [snapshot.keyId, Buffer.from(snapshot.material, 'base64')]));
    for (const key of keys) {
      const local: LocalKey = { ...key, material: materials.get(key.keyId) ?? randomBytes(32) };
      this.keys.set(key.keyId, local);
      this.keys.set(key.arn, local);
    }
  }

  snapshot(): KmsKeySnapshot[] {
    const unique = new Map([...this.keys.values()].map((key) => [key.keyId, key]));
    return [...unique.values()].map((key) => ({ keyId: key.keyId, material: key.material.toString('base64') }));
  }

  generateMac(keyId: string, message: Buffer, algorithm: string): { mac: Buffer; keyArn: string } {
    const key = this.macKey(keyId, algorithm);
    if (message.length === 0 || message.length > MAX_MAC_MESSAGE_BYTES) {
      throw new AwsServiceError('ValidationException', `Message must be 1 to ${MAX_MAC_MESSAGE_BYTES} bytes`);
    }
    return { mac: createHmac('sha256', key.material).update(message).digest(), keyArn: key.arn };
  }

  verifyMac(keyId: string, message: Buffer, mac: Buffer, algorithm: string): { keyArn: string } {
    const expected = this.generateMac(keyId, message, algorithm).mac;
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw new AwsServiceError('KMSInvalidMacException', 'The MAC does not match');
    return { keyArn: this.key(keyId).arn };
  }

  encrypt(keyId: string, plaintext: Buffer, context: EncryptionContext = {}): { ciphertextBlob: Buffer; keyArn: string } {
    const key = this.symmetricKey(keyId);
    if (plaintext.length === 0 || plaintext.length > MAX_PLAINTEXT_BYTES) {
      throw new AwsServiceError('ValidationException', `Plaintext must be 1 to ${MAX_PLAINTEXT_BYTES} bytes`);
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv).setAAD(contextBytes(context));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(key.keyId, 'utf8');
    const blob = Buffer.concat([BLOB_MAGIC, Buffer.from([id.length]), id, iv, cipher.getAuthTag(), sealed]);
    return { ciphertextBlob: blob, keyArn: key.arn };
  }

  generateDataKey(keyId: string, byteLength: number, context: EncryptionContext = {}): { plaintext: Buffer; ciphertextBlob: Buffer; keyArn: string } {
    if (!Number.isInteger(byteLength) || byteLength < 1 || byteLength > 1024) {
      throw new AwsServiceError('ValidationException', 'NumberOfBytes must be from 1 to 1024 (or KeySpec AES_128 / AES_256)');
    }
    const plaintext = randomBytes(byteLength);
    return { plaintext, ...this.encrypt(keyId, plaintext, context) };
  }

  decrypt(ciphertextBlob: Buffer, context: EncryptionContext = {}, expectedKeyId?: string): { plaintext: Buffer; keyArn: string } {
    const invalid = () => new AwsServiceError('InvalidCiphertextException', 'The ciphertext is not valid, or its encryption context does not match');
    if (ciphertextBlob.length < BLOB_MAGIC.length + 1 || !ciphertextBlob.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) throw invalid();
    const idLength = ciphertextBlob[BLOB_MAGIC.length] ?? 0;
    const idStart = BLOB_MAGIC.length + 1;
    const keyId = ciphertextBlob.subarray(idStart, idStart + idLength).toString('utf8');
    const key = this.keys.get(keyId);
    if (!key) throw invalid();
    if (expectedKeyId !== undefined && this.key(expectedKeyId).keyId !== key.keyId) {
      throw new AwsServiceError('IncorrectKeyException', 'The ciphertext was encrypted under another key');
    }
    const ivStart = idStart + idLength;
    const iv = ciphertextBlob.subarray(ivStart, ivStart + IV_BYTES);
    const tag = ciphertextBlob.subarray(ivStart + IV_BYTES, ivStart + IV_BYTES + TAG_BYTES);
    const sealed = ciphertextBlob.subarray(ivStart + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material, iv).setAAD(contextBytes(context)).setAuthTag(tag);
      return { plaintext: Buffer.concat([decipher.update(sealed), decipher.final()]), keyArn: key.arn };
    } catch {
      throw invalid();
    }
  }

  private key(keyId: string): LocalKey {
    const key = this.keys.get(keyId);
    if (!key) throw new AwsServiceError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  private macKey(keyId: string, algorithm: string): LocalKey {
    const key = this.key(keyId);
    if (key.keySpec !== 'HMAC_256') throw new AwsServiceError('InvalidKeyUsageException', `${key.arn} is not an HMAC key (GENERATE_VERIFY_MAC)`);
    if (algorithm !== 'HMAC_SHA_256') throw new AwsServiceError('InvalidKeyUsageException', `${key.arn} supports HMAC_SHA_256 only`);
    return key;
  }

  private symmetricKey(keyId: string): LocalKey {
    const key = this.key(keyId);
    if (key.keySpec !== 'SYMMETRIC_DEFAULT') throw new AwsServiceError('InvalidKeyUsageException', `${key.arn} is not an ENCRYPT_DECRYPT key`);
    return key;
  }
}

/** The context as KMS binds it: order-independent, so the same pairs in any order decrypt. */
function contextBytes(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), 'utf8');
}
