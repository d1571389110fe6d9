// Intrinsic functions on hand-written values (test/infra/local/intrinsics.test.ts runs them on the
// synthesized template).
import { IntrinsicError, IntrinsicResolver } from '../../../local/intrinsics';

const resolver = (conditions: Record<string, unknown> = {}) =>
  new IntrinsicResolver({
    ref: (logicalId) => {
      if (logicalId === 'Queue') return 'http://127.0.0.1:4566/000000000000/queue';
      if (logicalId === 'Stage') return 'prod';
      throw new IntrinsicError(`no ${logicalId}`);
    },
    getAtt: (logicalId, attribute) => {
      if (logicalId === 'Queue' && attribute === 'Arn') return 'arn:aws:sqs:eu-west-1:000000000000:queue';
      throw new IntrinsicError(`no ${logicalId}.${attribute}`);
    },
    pseudoParameters: { 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '000000000000', 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' },
    conditions,
    mappings: { Sizes: { 'eu-west-1': { Memory: 512 } } },
  });

describe('IntrinsicResolver', () => {
  it('resolves Ref, GetAtt (both forms) and pseudo parameters', () => {
    const r = resolver();
    expect(r.resolve({ Ref: 'Queue' })).toBe('http://127.0.0.1:4566/000000000000/queue');
    expect(r.resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('arn:aws:sqs:eu-west-1:000000000000:queue');
    expect(r.resolve({ 'Fn::GetAtt': 'Queue.Arn' })).toBe('arn:aws:sqs:eu-west-1:000000000000:queue');
    expect(r.resolve({ Ref: 'AWS::Region' })).toBe('eu-west-1');
  });

  it('resolves Join, Sub (with variables, attributes and escapes), Select, Split, FindInMap, Base64, GetAZs', () => {
    const r = resolver();
    expect(r.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/x']] })).toBe('arn:aws:iam::aws:policy/x');
    expect(r.resolve({ 'Fn::Sub': 'bucket-${AWS::AccountId}-${AWS::Region}' })).toBe('bucket-000000000000-eu-west-1');
    expect(r.resolve({ 'Fn::Sub': ['${Queue.Arn}/${Name}/${!Literal}', { Name: { Ref: 'Stage' } }] })).toBe(
      'arn:aws:sqs:eu-west-1:000000000000:queue/prod/${Literal}',
    );
    expect(r.resolve({ 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] })).toBe('queue');
    expect(r.resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'AWS::Region' }, 'Memory'] })).toBe(512);
    expect(r.resolve({ 'Fn::Base64': 'hi' })).toBe('aGk=');
    expect(r.resolve({ 'Fn::GetAZs': '' })).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  it('evaluates conditions, Fn::If and drops AWS::NoValue', () => {
    const r = resolver({
      IsIreland: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] },
      Both: { 'Fn::And': [{ Condition: 'IsIreland' }, { 'Fn::Not': [{ Condition: 'IsProd' }] }] },
    });
    expect(r.resolve({ 'Fn::If': ['Both', 'yes', 'no'] })).toBe('yes');
    expect(r.resolve({ A: { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] }, B: 1 })).toEqual({ B: 1 });
    expect(r.resolve([1, { Ref: 'AWS::NoValue' }, 2])).toEqual([1, 2]);
  });

  it('leaves IAM condition blocks (Condition with an object) alone', () => {
    const block = { Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } };
    expect(resolver().resolve(block)).toEqual({ Condition: { StringEquals: { 'aws:SourceAccount': '000000000000' } } });
  });

  it('names the unsupported function and where it was met', () => {
    expect(() => resolver().resolve({ Env: { 'Fn::ImportValue': 'OtherStack-Bus' } }, 'Function.Properties')).toThrow(
      /Function\.Properties\.Env\.Fn::ImportValue: Fn::ImportValue is not supported by the local run.*cross-stack/,
    );
    expect(() => resolver().resolve({ Ref: 'Missing' })).toThrow('no Missing');
    expect(() => resolver().resolveString({ 'Fn::GetAZs': '' }, 'Name')).toThrow('Name must resolve to a string');
  });
});
