// Synthesizes the CDK app once for the whole infra project, and only when cdk.out is missing or
// older than the sources, so a fresh clone needs no `cdk synth` before the tests.
import { join } from 'node:path';
import { ensureSynthesized } from '../../local/synth';
import { STACK_NAME } from './synthesized';

export default async function globalSetup(): Promise<void> {
  const result = await ensureSynthesized({ root: join(__dirname, '..', '..'), stackName: STACK_NAME, log: () => undefined });
  if (result.synthesized) console.log(`\ninfra: synthesized ${STACK_NAME} in ${(result.durationMs / 1000).toFixed(1)} s`);
}
