// The one place an endpoint becomes its stored item and back: its signing secrets and every custom
// header value are sealed (adapters/secret-box.ts) before a write and opened after a read, so the
// table, its index, backups, exports and stream hold ciphertext only. Each value is bound to its
// account, endpoint and field: copied into another endpoint's item (or another field) it does not
// open. See docs/architecture.md, "Table design".
import type { Endpoint } from '../domain/model';
import { SEALED_PREFIX, type SecretSealer } from './secret-box';

/** Where a sealed value belongs; part of what authenticates it. */
export type SealedField = 'secret' | 'previous-secret' | `header/${string}`;

export function secretBinding(accountId: string, endpointId: string, field: SealedField): string {
  return `${accountId}/${endpointId}/${field}`;
}

/** Header names ignore case, so the binding does too (a rename of case keeps the value openable). */
const headerField = (name: string): SealedField => `header/${name.toLowerCase()}`;

/**
 * Items written before sealing hold plain values: a value without the sealed prefix is read as it
 * is, so a deployment upgrades without a migration (every write from then on seals; a secret is
 * never a `gws1.` string, nor is a header value expected to be).
 */
async function openValue(value: string, binding: string, sealer: SecretSealer): Promise<string> {
  return value.startsWith(SEALED_PREFIX) ? sealer.open(value, binding) : value;
}

export async function sealSecret(accountId: string, endpointId: string, field: 'secret' | 'previous-secret', plaintext: string, sealer: SecretSealer): Promise<string> {
  return sealer.seal(plaintext, secretBinding(accountId, endpointId, field));
}

/** The stored form of a whole set of custom headers (the names stay readable). */
export async function sealHeaders(
  accountId: string,
  endpointId: string,
  headers: Readonly<Record<string, string>>,
  sealer: SecretSealer,
): Promise<Record<string, string>> {
  const sealed = await Promise.all(
    Object.entries(headers).map(async ([name, value]) => [name, await sealer.seal(value, secretBinding(accountId, endpointId, headerField(name)))] as const),
  );
  return Object.fromEntries(sealed);
}

/** The endpoint as its item stores it: secrets and header values sealed, everything else as is. */
export async function sealEndpoint(endpoint: Endpoint, sealer: SecretSealer): Promise<Endpoint> {
  const { accountId, endpointId, previousSecret, headers } = endpoint;
  const [secret, previous, sealedHeaders] = await Promise.all([
    sealSecret(accountId, endpointId, 'secret', endpoint.secret, sealer),
    previousSecret ? sealSecret(accountId, endpointId, 'previous-secret', previousSecret.secret, sealer) : undefined,
    headers ? sealHeaders(accountId, endpointId, headers, sealer) : undefined,
  ]);
  return {
    ...endpoint,
    secret,
    ...(previousSecret && previous !== undefined ? { previousSecret: { ...previousSecret, secret: previous } } : {}),
    ...(sealedHeaders ? { headers: sealedHeaders } : {}),
  };
}

/** The endpoint an item (internal attributes already stripped) stores, its secrets opened. */
export async function openEndpoint(item: Endpoint, sealer: SecretSealer): Promise<Endpoint> {
  const { accountId, endpointId, previousSecret, headers } = item;
  const [secret, previous, openedHeaders] = await Promise.all([
    openValue(item.secret, secretBinding(accountId, endpointId, 'secret'), sealer),
    previousSecret ? openValue(previousSecret.secret, secretBinding(accountId, endpointId, 'previous-secret'), sealer) : undefined,
    headers
      ? Promise.all(
          Object.entries(headers).map(async ([name, value]) => [name, await openValue(value, secretBinding(accountId, endpointId, headerField(name)), sealer)] as const),
        )
      : undefined,
  ]);
  return {
    ...item,
    secret,
    ...(previousSecret && previous !== undefined ? { previousSecret: { ...previousSecret, secret: previous } } : {}),
    ...(openedHeaders ? { headers: Object.fromEntries(openedHeaders) } : {}),
  };
}

/**
 * For tooling that builds a ManagementStore only for accounts and keys (the admin CLI, on a table
 * whose key it is not told): any endpoint secret it met would be a mistake, so it refuses loudly.
 */
export function noEndpointSecrets(who: string): SecretSealer {
  const refuse = () => Promise.reject(new Error(`${who} does not read or write endpoint secrets`));
  return { seal: refuse, open: refuse };
}
