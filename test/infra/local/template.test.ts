// Reading cdk.out: the stack's template, its region and the bundle folder of each function.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { constructLabel, readSynthesizedStack, resourcesOfType, TemplateError } from '../../../local/template';
import { cdkOut, synthesizedStack as synthesized } from '../synthesized';

describe('readSynthesizedStack', () => {
  it('finds the stack template through the cloud assembly manifest', () => {
    const stack = synthesized();
    expect(stack.templatePath).toBe(join(cdkOut, 'GeoRedirWebhooks.template.json'));
    expect(Object.keys(stack.template.Resources).length).toBeGreaterThan(0);
    // The CDK CLI synthesizes for a concrete region when none is configured.
    expect(stack.region === undefined || /^[a-z]{2}(-[a-z]+)+-\d$/.test(stack.region)).toBe(true);
  });

  it('maps every function Code.S3Key to a bundle folder holding its handler file', () => {
    const stack = synthesized();
    const functions = resourcesOfType(stack.template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const { logicalId, resource } of functions) {
      const key = (resource.Properties?.Code as { S3Key?: unknown }).S3Key;
      expect(typeof key).toBe('string');
      const dir = stack.assetDirs.get(key as string);
      expect({ logicalId, dir }).toEqual({ logicalId, dir: expect.stringContaining(join(cdkOut, 'asset.')) });
      const handlerModule = String(resource.Properties?.Handler).split('.')[0];
      expect(existsSync(join(dir!, `${handlerModule}.js`))).toBe(true);
    }
  });

  it('labels resources by their construct path', () => {
    const stack = synthesized();
    const labels = resourcesOfType(stack.template, 'AWS::Lambda::Function').map(({ logicalId, resource }) => constructLabel(logicalId, resource));
    expect(labels.sort()).toEqual(['CountsFunction', 'DispatcherFunction', 'ManagementFunction']);
  });

  it('names the stacks it has when asked for another', () => {
    synthesized();
    expect(() => readSynthesizedStack(cdkOut, 'NoSuchStack')).toThrow(TemplateError);
    expect(() => readSynthesizedStack(cdkOut, 'NoSuchStack')).toThrow(/stack NoSuchStack is not in .*\(stacks: GeoRedirWebhooks\)/);
    expect(() => readSynthesizedStack(join(cdkOut, 'missing'), 'GeoRedirWebhooks')).toThrow(/run `npx cdk synth` first/);
  });
});
