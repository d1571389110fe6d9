// The KMS key a deployed stack signs portal tokens with, for `portal-link --stack NAME`: the
// stack's SigningKeyArn output when it has one, else its own resource list (ListStackResources):
// the AWS::KMS::Key WebhookDelivery creates as `SigningKey` (lib/webhook-delivery.ts), whose
// physical id is the key's id. The admin CLI then derives the same daily keys the API does.
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { StackOutputsError } from './stack-outputs';

/** The construct id `SigningKey` under any parent, with the 8-character hash CDK appends to logical ids. */
const SIGNING_KEY_LOGICAL_ID = /SigningKey[0-9A-F]{8}$/;

export interface StackSigningKeyOptions {
  readonly region?: string;
  /** The client to ask (left open); by default one is made for `region` and destroyed afterwards. */
  readonly client?: CloudFormationClient;
}

/** The signing key's ARN or id; a StackOutputsError says why there is none. */
export async function stackSigningKeyId(stackName: string, outputs: Readonly<Record<string, string>>, options: StackSigningKeyOptions = {}): Promise<string> {
  if (outputs.SigningKeyArn) return outputs.SigningKeyArn;
  const client = options.client ?? new CloudFormationClient(options.region ? { region: options.region } : {});
  try {
    const found: string[] = [];
    let NextToken: string | undefined;
    do {
      let page;
      try {
        page = await client.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
      } catch (error) {
        throw new StackOutputsError(`cannot list the resources of stack ${stackName} to find its signing key: ${(error as Error).message}`);
      }
      for (const resource of page.StackResourceSummaries ?? []) {
        if (resource.ResourceType === 'AWS::KMS::Key' && SIGNING_KEY_LOGICAL_ID.test(resource.LogicalResourceId ?? '') && resource.PhysicalResourceId) {
          found.push(resource.PhysicalResourceId);
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    if (found.length === 1) return found[0] as string;
    throw new StackOutputsError(
      found.length === 0
        ? `stack ${stackName} has no KMS signing key: deploy this version of the stack first, portal links are signed with it`
        : `stack ${stackName} has ${found.length} KMS keys named SigningKey: name the one to use with --signing-key ARN`,
    );
  } finally {
    if (!options.client) client.destroy();
  }
}
