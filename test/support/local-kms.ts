// Endpoint secrets in tests: the real KmsSecretBox (lambdas/adapters/secret-box.ts) against the
// local KMS (local/aws-endpoint/kms.ts), never a fake. Either over a local AWS endpoint the test
// starts anyway (`kmsKeys: [TEST_SECRETS_KEY]`), or answered in this process through the SDK's own
// serialisation, for tests that need only DynamoDB Local: nothing to start, no port, nothing to close.
import { Readable } from 'node:stream';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSecretBox } from '../../lambdas/adapters/secret-box';
import { AwsServiceError } from '../../local/aws-endpoint/errors';
import { KmsEngine, type LocalKmsKeyConfig } from '../../local/aws-endpoint/kms';
import { handleKmsOperation } from '../../local/aws-endpoint/kms-api';
import { localClientConfig } from './sdk-clients';

const KEY_ID = '55555555-5555-4555-8555-555555555555';

/** The stack's secrets key, as tests declare it. */
export const TEST_SECRETS_KEY: LocalKmsKeyConfig = { keyId: KEY_ID, arn: `arn:aws:kms:us-east-1:000000000000:key/${KEY_ID}`, keySpec: 'SYMMETRIC_DEFAULT' };

interface RequestLike {
  headers: Record<string, string>;
  body?: unknown;
}

/** A KMS client whose requests `engine` answers in this process (JSON 1.1, as the local endpoint's router does). */
export function inProcessKmsClient(engine: KmsEngine): KMSClient {
  const answer = (statusCode: number, body: unknown, errorType?: string) => ({
    response: {
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'in-process', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
      body: Readable.from([Buffer.from(JSON.stringify(body), 'utf8')]),
    },
  });
  return new KMSClient({
    ...localClientConfig('http://kms.in-process.invalid'),
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: RequestLike) => {
        const target = request.headers['x-amz-target'] ?? '';
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
        try {
          return answer(200, await handleKmsOperation(engine, target.slice(target.indexOf('.') + 1), JSON.parse(text) as unknown));
        } catch (error) {
          if (!(error instanceof AwsServiceError)) throw error;
          return answer(error.httpStatus, { __type: error.code, message: error.message }, error.code);
        }
      },
    } as never,
  });
}

/** A KmsSecretBox over a local KMS in this process; pass one engine to several boxes so they share the key. */
export function localSecretBox(engine: KmsEngine = new KmsEngine([TEST_SECRETS_KEY])): KmsSecretBox {
  return new KmsSecretBox(inProcessKmsClient(engine), TEST_SECRETS_KEY.arn);
}

/** A KmsSecretBox against a local AWS endpoint started with `kmsKeys: [TEST_SECRETS_KEY]`; destroy `kms` when done. */
export function endpointSecretBox(awsUrl: string): { box: KmsSecretBox; kms: KMSClient } {
  const kms = new KMSClient({ ...localClientConfig(awsUrl), maxAttempts: 1 });
  return { box: new KmsSecretBox(kms, TEST_SECRETS_KEY.arn), kms };
}
