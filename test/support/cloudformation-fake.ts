// A tiny stand-in for CloudFormation's query API on 127.0.0.1: it answers DescribeStacks and
// ListStackResources in the AWS query protocol (form-encoded request, XML answer) the SDK v3 client
// speaks, so `--stack` can be tried without an AWS account. Point a client at it with `endpoint`, or a child process
// with AWS_ENDPOINT_URL_CLOUDFORMATION.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStack {
  readonly status?: string;
  readonly outputs?: Readonly<Record<string, string>>;
  /** What ListStackResources answers, in one page. */
  readonly resources?: readonly { readonly logicalId: string; readonly type: string; readonly physicalId: string }[];
}

export interface FakeRequest {
  readonly headers: IncomingHttpHeaders;
  readonly params: Readonly<Record<string, string>>;
}

export interface FakeCloudFormation {
  readonly url: string;
  readonly requests: FakeRequest[];
  putStack(name: string, stack: FakeStack): void;
  /** Every later request gets this error answer, until cleared with undefined. */
  failWith(error: { status: number; code: string; message: string } | undefined): void;
  close(): Promise<void>;
}

const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] ?? char);

function stackXml(name: string, stack: FakeStack): string {
  const outputs = Object.entries(stack.outputs ?? {})
    .map(([key, value]) => `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`)
    .join('');
  return (
    '<member>' +
    `<StackName>${escapeXml(name)}</StackName>` +
    `<StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${escapeXml(name)}/${randomUUID()}</StackId>` +
    '<CreationTime>2026-01-02T03:04:05.000Z</CreationTime>' +
    `<StackStatus>${escapeXml(stack.status ?? 'CREATE_COMPLETE')}</StackStatus>` +
    `<Outputs>${outputs}</Outputs>` +
    '</member>'
  );
}

function resourcesXml(stack: FakeStack): string {
  return (stack.resources ?? [])
    .map(
      (resource) =>
        '<member>' +
        `<LogicalResourceId>${escapeXml(resource.logicalId)}</LogicalResourceId>` +
        `<PhysicalResourceId>${escapeXml(resource.physicalId)}</PhysicalResourceId>` +
        `<ResourceType>${escapeXml(resource.type)}</ResourceType>` +
        '<LastUpdatedTimestamp>2026-01-02T03:04:05.000Z</LastUpdatedTimestamp>' +
        '<ResourceStatus>CREATE_COMPLETE</ResourceStatus>' +
        '</member>',
    )
    .join('');
}

function errorXml(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACE}">` +
    `<Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${randomUUID()}</RequestId>` +
    '</ErrorResponse>'
  );
}

export async function startFakeCloudFormation(): Promise<FakeCloudFormation> {
  const stacks = new Map<string, FakeStack>();
  const requests: FakeRequest[] = [];
  let failure: { status: number; code: string; message: string } | undefined;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      requests.push({ headers: req.headers, params });
      const answer = (status: number, body: string) => res.writeHead(status, { 'content-type': 'text/xml' }).end(body);
      if (failure) return answer(failure.status, errorXml(failure.code, failure.message));
      const action = params.Action ?? req.method ?? '';
      if (req.method !== 'POST' || !['DescribeStacks', 'ListStackResources'].includes(action) || params.Version !== '2010-05-15') {
        return answer(400, errorXml('InvalidAction', `this fake answers DescribeStacks and ListStackResources only, not ${action}`));
      }
      const name = params.StackName ?? '';
      const stack = stacks.get(name);
      if (!stack) return answer(400, errorXml('ValidationError', `Stack with id ${name} does not exist`));
      if (action === 'ListStackResources') {
        return answer(
          200,
          `<ListStackResourcesResponse xmlns="${NAMESPACE}">` +
            `<ListStackResourcesResult><StackResourceSummaries>${resourcesXml(stack)}</StackResourceSummaries></ListStackResourcesResult>` +
            `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
            '</ListStackResourcesResponse>',
        );
      }
      return answer(
        200,
        `<DescribeStacksResponse xmlns="${NAMESPACE}">` +
          `<DescribeStacksResult><Stacks>${stackXml(name, stack)}</Stacks></DescribeStacksResult>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
          '</DescribeStacksResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    putStack: (name, stack) => stacks.set(name, stack),
    failWith: (error) => {
      failure = error;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
