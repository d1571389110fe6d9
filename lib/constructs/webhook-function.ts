import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Every function's Powertools metrics land in this CloudWatch namespace. */
export const METRICS_NAMESPACE = 'GeoRedirWebhooks';

const DEFAULT_MEMORY_MB = 256;
const DEFAULT_TIMEOUT = Duration.seconds(30);

/**
 * How every function is bundled by the local esbuild. Exported so bench/cold-start.ts builds its
 * baseline bundle exactly the same way.
 */
export const BUNDLING_DEFAULTS = {
  minify: true,
  sourceMap: true,
  // Mappings only: stack traces still name our files and lines, and Node no longer reads and
  // parses megabytes of embedded sources at every cold start (--enable-source-maps loads the map
  // while the bundle is compiled). See "Cold start" in docs/performance.md.
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  // Bundle the pinned SDK versions the code was tested with rather than the runtime's copy.
  bundleAwsSDK: true,
  // A browser user-agent parser (35 KB minified) that @aws-sdk/core's client index reaches only
  // through a dynamic import() its browser builds call; on Node it is never loaded.
  externalModules: ['bowser'],
  // The SDK's ES module builds, which esbuild can tree-shake (its CommonJS builds it cannot): the
  // dispatcher's bundle is a third smaller, and a cold start parses that much less.
  mainFields: ['module', 'main'],
  forceDockerBundling: false,
} as const;

/** Node only applies the bundle's source maps to stack traces when asked to. */
export const DEFAULT_NODE_OPTIONS = '--enable-source-maps';

/** NodejsFunction's props minus what every function here shares; `memorySize` defaults to 256 MB, `timeout` to 30 s. */
export interface WebhookFunctionProps
  extends Omit<NodejsFunctionProps, 'runtime' | 'architecture' | 'logGroup' | 'logRetention'> {
  /** Absolute path of the handler file (it must export `handler`). */
  readonly entry: string;
  /** Powertools service name: the `service` key of every log line and metric. */
  readonly serviceName: string;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The shared defaults of every GeoRedir Webhooks function: Node.js 22 on arm64, bundled by the
 * local esbuild (minified, source maps without embedded sources), a log group with a bounded retention, and the
 * Powertools service name and metrics namespace.
 */
export class WebhookFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    const { serviceName, logRetention, logRemovalPolicy, bundling, environment, ...functionProps } = props;
    // Created before super() so the function writes to it from its first invocation, instead of
    // an unmanaged /aws/lambda/... group that would keep logs forever.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Its own role that may write to its own log group only, instead of the AWS-managed basic
    // execution role, which may create and write to every log group in the account.
    const role = functionProps.role ?? new Role(scope, `${id}ServiceRole`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      ...functionProps,
      role,
      memorySize: functionProps.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: functionProps.timeout ?? DEFAULT_TIMEOUT,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: DEFAULT_NODE_OPTIONS,
        ...environment,
      },
      bundling: { ...BUNDLING_DEFAULTS, externalModules: [...BUNDLING_DEFAULTS.externalModules], mainFields: [...BUNDLING_DEFAULTS.mainFields], ...bundling },
    });
  }
}
