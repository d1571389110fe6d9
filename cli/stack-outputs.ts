// A deployed stack's CloudFormation outputs (DescribeStacks), for the CLIs' `--stack NAME`
// (README.md, "Deploy"): the same commands run against the local run's .local/outputs.json or these.
// lib/webhooks-stack.ts names the outputs (TableName, EventBusName, EventSource, ApiUrl, ...).
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';

export class StackOutputsError extends Error {
  override readonly name = 'StackOutputsError';
}

export interface StackOutputsOptions {
  /** The stack's region; without it the SDK's default chain (AWS_REGION, the profile). Unused with `client`. */
  readonly region?: string;
  /** The client to ask (left open); by default one is made for `region` and destroyed afterwards. */
  readonly client?: CloudFormationClient;
  /** Output keys the caller needs; a stack without one of them is an error that names it. */
  readonly required?: readonly string[];
}

// A stack whose creation has not finished, failed or was rolled back (its resources are gone),
// or one being deleted, has no outputs worth using. Updates, even rolled back, keep working ones.
const UNUSABLE_STATUS = /^(CREATE_IN_PROGRESS|CREATE_FAILED|ROLLBACK_.+|DELETE_.+|REVIEW_IN_PROGRESS)$/;

/** The stack's outputs as OutputKey -> OutputValue. */
export async function readStackOutputs(stackName: string, options: StackOutputsOptions = {}): Promise<Record<string, string>> {
  const client = options.client ?? new CloudFormationClient(options.region ? { region: options.region } : {});
  try {
    let stack: Stack | undefined;
    try {
      stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // CloudFormation reports an unknown stack as a ValidationError "Stack with id X does not exist".
      if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(message)) {
        throw new StackOutputsError(`no stack ${stackName} in ${await regionOf(client)}: check --stack and --region`);
      }
      throw new StackOutputsError(`cannot read the outputs of stack ${stackName}: ${message}`);
    }
    if (!stack) throw new StackOutputsError(`no stack ${stackName} in ${await regionOf(client)}: check --stack and --region`);
    const status = stack.StackStatus ?? 'unknown';
    if (UNUSABLE_STATUS.test(status)) {
      throw new StackOutputsError(`stack ${stackName} is ${status}: its outputs are not usable`);
    }
    const outputs: Record<string, string> = {};
    for (const output of stack.Outputs ?? []) {
      if (output.OutputKey !== undefined && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
    }
    const missing = (options.required ?? []).filter((key) => outputs[key] === undefined);
    if (missing.length > 0) {
      throw new StackOutputsError(`stack ${stackName} has no output ${missing.join(', ')}: is it a georedir-webhooks stack?`);
    }
    return outputs;
  } finally {
    if (!options.client) client.destroy();
  }
}

async function regionOf(client: CloudFormationClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return 'the configured region';
  }
}
