// Portal and cursor signing keys in tests: the real derivations (api/portal-tokens.ts,
// adapters/management/cursor.ts, adapters/kms-signing-keys.ts) against the local KMS
// (local/aws-endpoint/kms.ts), in this process or over a local AWS endpoint that declares
// TEST_SIGNING_KEY; never a fake key.
import type { KMSClient } from '@aws-sdk/client-kms';
import type { ManagementSigningKeys } from '../../lambdas/adapters/management-store';
import { cursorSigningKeys } from '../../lambdas/adapters/management/cursor';
import { portalSigningKeys } from '../../lambdas/api/portal-tokens';
import { KmsEngine, type LocalKmsKeyConfig } from '../../local/aws-endpoint/kms';
import { inProcessKmsClient } from './local-kms';

const KEY_ID = '66666666-6666-4666-8666-666666666666';

/** The stack's HMAC signing key, as tests declare it (SIGNING_KEY_ARN). */
export const TEST_SIGNING_KEY: LocalKmsKeyConfig = { keyId: KEY_ID, arn: `arn:aws:kms:us-east-1:000000000000:key/${KEY_ID}`, keySpec: 'HMAC_256' };

/** The API's portal and cursor keys over `kms` (by default a local KMS in this process holding TEST_SIGNING_KEY). */
export function localSigningKeys(kms: Pick<KMSClient, 'send'> = inProcessKmsClient(new KmsEngine([TEST_SIGNING_KEY]))): Required<ManagementSigningKeys> {
  return { portalKeys: portalSigningKeys(kms, TEST_SIGNING_KEY.arn), cursorKeys: cursorSigningKeys(kms, TEST_SIGNING_KEY.arn) };
}
