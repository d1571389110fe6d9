// AWS KMS's JSON 1.1 protocol (`X-Amz-Target: TrentService.<Op>`): the operations the stack's
// functions call. Binary fields travel as base64 strings, as the SDK sends and reads them.
import { AwsServiceError, unknownOperation } from './errors';
import type { EncryptionContext, KmsEngine } from './kms';
import { isJsonObject } from './request-fields';

const DATA_KEY_BYTES: Readonly<Record<string, number>> = { AES_256: 32, AES_128: 16 };

export async function handleKmsOperation(engine: KmsEngine, operation: string, input: unknown): Promise<unknown> {
  const body = isJsonObject(input) ? input : {};
  switch (operation) {
    case 'GenerateMac': {
      const { mac, keyArn } = engine.generateMac(text(body, 'KeyId'), blob(body, 'Message'), text(body, 'MacAlgorithm'));
      return { Mac: mac.toString('base64'), KeyId: keyArn, MacAlgorithm: body['MacAlgorithm'] };
    }
    case 'VerifyMac': {
      const { keyArn } = engine.verifyMac(text(body, 'KeyId'), blob(body, 'Message'), blob(body, 'Mac'), text(body, 'MacAlgorithm'));
      return { KeyId: keyArn, MacValid: true, MacAlgorithm: body['MacAlgorithm'] };
    }
    case 'GenerateDataKey': {
      const spec = body['KeySpec'];
      const bytes = typeof spec === 'string' ? DATA_KEY_BYTES[spec] : body['NumberOfBytes'];
      if (typeof bytes !== 'number') throw new AwsServiceError('ValidationException', 'Give KeySpec (AES_256 or AES_128) or NumberOfBytes');
      const { plaintext, ciphertextBlob, keyArn } = engine.generateDataKey(text(body, 'KeyId'), bytes, context(body));
      return { Plaintext: plaintext.toString('base64'), CiphertextBlob: ciphertextBlob.toString('base64'), KeyId: keyArn };
    }
    case 'Encrypt': {
      const { ciphertextBlob, keyArn } = engine.encrypt(text(body, 'KeyId'), blob(body, 'Plaintext'), context(body));
      return { CiphertextBlob: ciphertextBlob.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
    case 'Decrypt': {
      const keyId = body['KeyId'];
      const { plaintext, keyArn } = engine.decrypt(blob(body, 'CiphertextBlob'), context(body), typeof keyId === 'string' ? keyId : undefined);
      return { Plaintext: plaintext.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
    default:
      throw unknownOperation('KMS', operation);
  }
}

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new AwsServiceError('ValidationException', `${name} is required`);
  return value;
}

function blob(body: Record<string, unknown>, name: string): Buffer {
  return Buffer.from(text(body, name), 'base64');
}

function context(body: Record<string, unknown>): EncryptionContext {
  const value = body['EncryptionContext'];
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    throw new AwsServiceError('ValidationException', 'EncryptionContext must map strings to strings');
  }
  return value as EncryptionContext;
}
