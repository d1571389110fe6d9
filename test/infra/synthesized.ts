// The app's synthesized template in cdk.out, as the infra project's global setup leaves it
// (test/infra/global-setup.ts synthesizes once per run when the sources are newer).
import { join } from 'node:path';
import { readSynthesizedStack, type SynthesizedStack } from '../../local/template';

export const STACK_NAME = 'GeoRedirWebhooks';
export const cdkOut = join(__dirname, '..', '..', 'cdk.out');

export function synthesizedStack(): SynthesizedStack {
  return readSynthesizedStack(cdkOut, STACK_NAME);
}
