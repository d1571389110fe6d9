// The local KMS through the real AWS SDK client: MACs, data keys, encrypt and decrypt, with the
// failures KMS answers (wrong context, tampered blob, wrong key kind, unknown key), and key
// material that survives a restart with --persist.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, GenerateMacCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, type SdkClients, sdkClients } from '../../../support/sdk-clients';

const MAC_KEY = { keyId: '11111111-1111-4111-8111-111111111111', arn: 'arn:aws:kms:us-east-1:000000000000:key/11111111-1111-4111-8111-111111111111', keySpec: 'HMAC_256' as const };
const DATA_KEY = { keyId: '22222222-2222-4222-8222-222222222222', arn: 'arn:aws:kms:us-east-1:000000000000:key/22222222-2222-4222-8222-222222222222', keySpec: 'SYMMETRIC_DEFAULT' as const };
const bytes = (text: string) => Buffer.from(text, 'utf8');

async function start(persistFile?: string): Promise<{ endpoint: AwsEndpoint; clients: SdkClients }> {
  const endpoint = await startAwsEndpoint({ port: 0, queues: [], buses: [], scheduleGroups: [], kmsKeys: [MAC_KEY, DATA_KEY], ...(persistFile ? { persistFile } : {}) });
  return { endpoint, clients: sdkClients(endpoint.url) };
}

describe('local KMS through the AWS SDK', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  beforeAll(async () => ({ endpoint, clients } = await start()));
  afterAll(async () => {
    clients.destroy();
    await endpoint.close();
  });

  it('makes a MAC with an HMAC key, by key id or ARN, and verifies it; another message or MAC fails', async () => {
    const made = await clients.kms.send(new GenerateMacCommand({ KeyId: MAC_KEY.keyId, Message: bytes('portal:acct_1'), MacAlgorithm: 'HMAC_SHA_256' }));
    expect(made.Mac).toHaveLength(32);
    expect(made.KeyId).toBe(MAC_KEY.arn);
    const again = await clients.kms.send(new GenerateMacCommand({ KeyId: MAC_KEY.arn, Message: bytes('portal:acct_1'), MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Buffer.from(again.Mac!)).toEqual(Buffer.from(made.Mac!));
    const verified = await clients.kms.send(new VerifyMacCommand({ KeyId: MAC_KEY.keyId, Message: bytes('portal:acct_1'), Mac: made.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(verified.MacValid).toBe(true);
    const forged = await rejectionOf(clients.kms.send(new VerifyMacCommand({ KeyId: MAC_KEY.keyId, Message: bytes('portal:acct_2'), Mac: made.Mac, MacAlgorithm: 'HMAC_SHA_256' })));
    expect(forged.name).toBe('KMSInvalidMacException');
  });

  it('hands out a data key whose blob decrypts to the same plaintext, only with the same encryption context', async () => {
    const context = { purpose: 'endpoint-secrets' };
    const dataKey = await clients.kms.send(new GenerateDataKeyCommand({ KeyId: DATA_KEY.keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    expect(dataKey.Plaintext).toHaveLength(32);
    const decrypted = await clients.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(decrypted.Plaintext!)).toEqual(Buffer.from(dataKey.Plaintext!));
    expect(decrypted.KeyId).toBe(DATA_KEY.arn);
    const wrongContext = await rejectionOf(clients.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { purpose: 'other' } })));
    expect(wrongContext.name).toBe('InvalidCiphertextException');
    const tampered = Buffer.from(dataKey.CiphertextBlob!);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect((await rejectionOf(clients.kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })))).name).toBe('InvalidCiphertextException');
  });

  it('encrypts and decrypts small plaintexts', async () => {
    const sealed = await clients.kms.send(new EncryptCommand({ KeyId: DATA_KEY.arn, Plaintext: bytes('whsec_x') }));
    const opened = await clients.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, KeyId: DATA_KEY.keyId }));
    expect(Buffer.from(opened.Plaintext!).toString('utf8')).toBe('whsec_x');
  });

  it('refuses a key of the wrong kind and an unknown key, as KMS does', async () => {
    expect((await rejectionOf(clients.kms.send(new GenerateMacCommand({ KeyId: DATA_KEY.keyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' })))).name).toBe(
      'InvalidKeyUsageException',
    );
    expect((await rejectionOf(clients.kms.send(new GenerateDataKeyCommand({ KeyId: MAC_KEY.keyId, KeySpec: 'AES_256' })))).name).toBe('InvalidKeyUsageException');
    expect((await rejectionOf(clients.kms.send(new GenerateDataKeyCommand({ KeyId: 'no-such-key', KeySpec: 'AES_256' })))).name).toBe('NotFoundException');
  });
});

it('keeps key material across a restart with --persist, so earlier ciphertexts and MACs stay valid', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'local-kms-'));
  const file = join(directory, 'state.json');
  try {
    const first = await start(file);
    const sealed = await first.clients.kms.send(new EncryptCommand({ KeyId: DATA_KEY.keyId, Plaintext: bytes('kept') }));
    const mac = await first.clients.kms.send(new GenerateMacCommand({ KeyId: MAC_KEY.keyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }));
    first.clients.destroy();
    await first.endpoint.close();

    const second = await start(file);
    const opened = await second.clients.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
    expect(Buffer.from(opened.Plaintext!).toString('utf8')).toBe('kept');
    const verified = await second.clients.kms.send(new VerifyMacCommand({ KeyId: MAC_KEY.keyId, Message: bytes('m'), Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(verified.MacValid).toBe(true);
    second.clients.destroy();
    await second.endpoint.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
