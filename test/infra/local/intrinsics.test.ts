// Intrinsic functions on every value of the real synthesized template: nothing the local run
// would have to resolve is left unresolved.
import { IntrinsicError, IntrinsicResolver } from '../../../local/intrinsics';
import { synthesizedStack } from '../synthesized';

describe('IntrinsicResolver on the synthesized template', () => {
  it('resolves every resource property and output without leaving an intrinsic behind', () => {
    const { template } = synthesizedStack();
    const r = new IntrinsicResolver({
      ref: (logicalId) => {
        if (template.Resources[logicalId]) return `ref:${logicalId}`;
        const parameter = template.Parameters?.[logicalId];
        if (parameter) return String(parameter.Default);
        throw new IntrinsicError(`no ${logicalId}`);
      },
      getAtt: (logicalId, attribute) => {
        if (!template.Resources[logicalId]) throw new IntrinsicError(`no ${logicalId}`);
        return `att:${logicalId}.${attribute}`;
      },
      pseudoParameters: { 'AWS::Region': 'us-east-1', 'AWS::AccountId': '000000000000', 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': 'GeoRedirWebhooks' },
      conditions: template.Conditions,
      mappings: template.Mappings,
    });
    const resolved = r.resolve({ Resources: template.Resources, Outputs: template.Outputs });
    const leftovers = JSON.stringify(resolved).match(/"(Ref|Fn::[A-Za-z]+)":/g) ?? [];
    expect(leftovers).toEqual([]);
  });
});
