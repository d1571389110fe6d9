// The KMS-backed signing keys and secret box, against the local KMS through the real SDK client.
import { type KMSClient } from '@aws-sdk/client-kms';
import { KmsSecretBox, SEALED_PREFIX } from '../../../lambdas/adapters/secret-box';
import { KmsSigningKeys } from '../../../lambdas/adapters/kms-signing-keys';
import { type AwsEndpoint, startAwsEndpoint } from '../../../local/aws-endpoint/server';
import { type SdkClients, sdkClients } from '../../support/sdk-clients';

const MAC_KEY = { keyId: '33333333-3333-4333-8333-333333333333', arn: 'arn:aws:kms:us-east-1:000000000000:key/33333333-3333-4333-8333-333333333333', keySpec: 'HMAC_256' as const };
const DATA_KEY = { keyId: '44444444-4444-4444-8444-444444444444', arn: 'arn:aws:kms:us-east-1:000000000000:key/44444444-4444-4444-8444-444444444444', keySpec: 'SYMMETRIC_DEFAULT' as const };

let endpoint: AwsEndpoint;
let clients: SdkClients;
beforeAll(async () => {
  endpoint = await startAwsEndpoint({ port: 0, queues: [], buses: [], scheduleGroups: [], kmsKeys: [MAC_KEY, DATA_KEY] });
  clients = sdkClients(endpoint.url);
});
afterAll(async () => {
  clients.destroy();
  await endpoint.close();
});

/** Counts the KMS calls the code makes. */
function counted(kms: KMSClient) {
  const calls: string[] = [];
  return { calls, kms: { send: ((command: { constructor: { name: string } }) => (calls.push(command.constructor.name), kms.send(command as never))) as KMSClient['send'] } };
}

describe('KmsSigningKeys', () => {
  const day = (iso: string) => new Date(iso);

  it("derives one key per UTC day, once per instance, and accepts the last days' ids only", async () => {
    const { calls, kms } = counted(clients.kms);
    const keys = new KmsSigningKeys(kms, MAC_KEY.arn, 'portal-token', 1);
    const today = await keys.current(day('2026-12-06T10:00:00Z'));
    expect(today.id).toBe('2026-12-06');
    expect(today.key).toHaveLength(32);
    expect((await keys.current(day('2026-12-06T23:59:59Z'))).key).toEqual(today.key);
    expect(calls).toEqual(['GenerateMacCommand']);
    expect(await keys.byId('2026-12-06', day('2026-12-07T01:00:00Z'))).toEqual(today.key);
    expect(await keys.byId('2026-12-06', day('2026-12-08T01:00:00Z'))).toBeUndefined();
    expect(await keys.byId('2026-12-07', day('2026-12-06T01:00:00Z'))).toBeUndefined();
    expect(await keys.byId('not-a-day', day('2026-12-06T01:00:00Z'))).toBeUndefined();
    expect((await keys.current(day('2026-12-07T00:00:00Z'))).key).not.toEqual(today.key);
  });

  it('gives each purpose its own keys, and another instance the same ones', async () => {
    const now = day('2026-12-06T10:00:00Z');
    const portal = (await new KmsSigningKeys(clients.kms, MAC_KEY.keyId, 'portal-token', 1).current(now)).key;
    const cursor = (await new KmsSigningKeys(clients.kms, MAC_KEY.keyId, 'cursor', 1).current(now)).key;
    expect(cursor).not.toEqual(portal);
    expect((await new KmsSigningKeys(clients.kms, MAC_KEY.arn, 'portal-token', 1).current(now)).key).toEqual(portal);
  });
});

describe('KmsSecretBox', () => {
  it('seals so that only its binding opens it, and no plaintext shows', async () => {
    const box = new KmsSecretBox(clients.kms, DATA_KEY.arn);
    const sealed = await box.seal('whsec_c2VjcmV0', 'acct_1/ep_1/secret');
    expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
    expect(sealed).not.toContain('whsec_');
    expect(await box.open(sealed, 'acct_1/ep_1/secret')).toBe('whsec_c2VjcmV0');
    await expect(box.open(sealed, 'acct_2/ep_1/secret')).rejects.toThrow();
    expect(await box.seal('whsec_c2VjcmV0', 'acct_1/ep_1/secret')).not.toBe(sealed);
  });

  it('another instance opens it with one Decrypt per data key, however many values it opens', async () => {
    const sealer = new KmsSecretBox(clients.kms, DATA_KEY.arn);
    const values = await Promise.all(['a', 'b', 'c'].map((value) => sealer.seal(`whsec_${value}`, `acct/ep_${value}/secret`)));
    const { calls, kms } = counted(clients.kms);
    const reader = new KmsSecretBox(kms, DATA_KEY.arn);
    expect(await Promise.all(values.map((value, index) => reader.open(value, `acct/ep_${'abc'[index]}/secret`)))).toEqual(['whsec_a', 'whsec_b', 'whsec_c']);
    expect(await reader.open(values[0]!, 'acct/ep_a/secret')).toBe('whsec_a');
    expect(calls).toEqual(['DecryptCommand']);
  });

  it('makes a new data key after an hour', async () => {
    let now = Date.parse('2026-12-06T10:00:00Z');
    const { calls, kms } = counted(clients.kms);
    const box = new KmsSecretBox(kms, DATA_KEY.arn, () => now);
    const first = await box.seal('x', 'b');
    await box.seal('y', 'b');
    now += 3_600_000;
    const later = await box.seal('z', 'b');
    expect(calls).toEqual(['GenerateDataKeyCommand', 'GenerateDataKeyCommand']);
    expect(first.split('.')[1]).not.toBe(later.split('.')[1]);
  });
});
