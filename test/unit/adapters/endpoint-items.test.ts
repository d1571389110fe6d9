// An endpoint to its stored item and back, with the real KmsSecretBox on the local KMS in process:
// what is sealed, what stays readable, plain (pre-sealing) values read as they are, and a value
// bound to one endpoint and field opens nowhere else.
import { noEndpointSecrets, openEndpoint, sealEndpoint, secretBinding } from '../../../lambdas/adapters/endpoint-items';
import { SEALED_PREFIX } from '../../../lambdas/adapters/secret-box';
import type { Endpoint } from '../../../lambdas/domain/model';
import { localSecretBox } from '../../support/local-kms';

const sealer = localSecretBox();

const endpoint: Endpoint = {
  accountId: 'acct_1',
  endpointId: 'ep_1',
  url: 'https://hooks.example.com/georedir',
  events: ['click'],
  status: 'active',
  secret: 'whsec_bmV3c2VjcmV0bmV3c2VjcmV0bmV3c2VjcmV0',
  previousSecret: { secret: 'whsec_b2xkc2VjcmV0b2xkc2VjcmV0b2xkc2VjcmV0', expiresAt: '2026-12-07T10:00:00.000Z' },
  headers: { Authorization: 'Bearer tok_0123456789abcdef', 'X-Route': 'eu' },
  consecutiveFailures: 0,
  createdAt: '2026-12-06T10:00:00.000Z',
  updatedAt: '2026-12-06T10:00:00.000Z',
};

describe('sealEndpoint / openEndpoint', () => {
  it('seals the secrets and every header value, keeps the rest as it is, and opens back to the endpoint', async () => {
    const item = await sealEndpoint(endpoint, sealer);
    expect(item.secret.startsWith(SEALED_PREFIX)).toBe(true);
    expect(item.previousSecret?.secret.startsWith(SEALED_PREFIX)).toBe(true);
    expect(item.previousSecret?.expiresAt).toBe(endpoint.previousSecret?.expiresAt);
    expect(Object.keys(item.headers ?? {})).toEqual(['Authorization', 'X-Route']);
    expect(Object.values(item.headers ?? {}).every((value) => value.startsWith(SEALED_PREFIX))).toBe(true);
    const unsealed = (value: Endpoint) => Object.fromEntries(Object.entries(value).filter(([name]) => !['secret', 'previousSecret', 'headers'].includes(name)));
    expect(unsealed(item)).toEqual(unsealed(endpoint));
    expect(JSON.stringify(item)).not.toMatch(/whsec_|tok_0123|"eu"/);
    expect(await openEndpoint(item, sealer)).toEqual(endpoint);
  });

  it('leaves out what the endpoint does not have', async () => {
    const { previousSecret: _previous, headers: _headers, ...bare } = endpoint;
    const item = await sealEndpoint(bare, sealer);
    expect(item).not.toHaveProperty('previousSecret');
    expect(item).not.toHaveProperty('headers');
    expect(await openEndpoint(item, sealer)).toEqual(bare);
  });

  it('reads an item written before sealing (plain values) as it is', async () => {
    expect(await openEndpoint(endpoint, noEndpointSecrets('a plain item'))).toEqual(endpoint);
  });

  it('binds each value to its account, endpoint and field: moved, it does not open', async () => {
    const item = await sealEndpoint(endpoint, sealer);
    await expect(openEndpoint({ ...item, endpointId: 'ep_2' }, sealer)).rejects.toThrow();
    await expect(openEndpoint({ ...item, accountId: 'acct_2' }, sealer)).rejects.toThrow();
    await expect(openEndpoint({ ...item, secret: item.previousSecret!.secret }, sealer)).rejects.toThrow();
    await expect(openEndpoint({ ...item, headers: { Authorization: item.headers!['X-Route']! } }, sealer)).rejects.toThrow();
    // Header names ignore case, and so does the binding.
    expect((await openEndpoint({ ...item, headers: { authorization: item.headers!.Authorization! } }, sealer)).headers).toEqual({ authorization: endpoint.headers!.Authorization });
    expect(secretBinding('acct_1', 'ep_1', 'header/x-route')).toBe('acct_1/ep_1/header/x-route');
  });

  it('refuses any secret where none may be handled', async () => {
    await expect(sealEndpoint(endpoint, noEndpointSecrets('the admin CLI'))).rejects.toThrow('the admin CLI does not read or write endpoint secrets');
  });
});
