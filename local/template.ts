// Reads what `cdk synth` wrote: the stack's CloudFormation template, its environment and the
// folders of the bundled Lambda code, so the local run uses exactly what would be deployed.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Condition?: string;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, CfnOutput>;
  readonly Parameters?: Record<string, CfnParameter>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface SynthesizedStack {
  readonly stackName: string;
  readonly cdkOutDir: string;
  readonly templatePath: string;
  readonly template: CfnTemplate;
  /** From the cloud assembly's environment (`aws://account/region`); undefined when agnostic. */
  readonly region?: string;
  /** Asset object key (`<hash>.zip`, what `Code.S3Key` names) -> absolute folder in cdk.out. */
  readonly assetDirs: ReadonlyMap<string, string>;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

interface ManifestArtifact {
  type: string;
  environment?: string;
  properties?: { templateFile?: string; file?: string };
  dependencies?: string[];
}

interface AssetManifest {
  files?: Record<string, { source?: { path?: string; packaging?: string }; destinations?: Record<string, { objectKey?: string }> }>;
}

export function readSynthesizedStack(cdkOutDir: string, stackName: string): SynthesizedStack {
  const dir = resolve(cdkOutDir);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new TemplateError(`${manifestPath} not found: run \`npx cdk synth\` first`);
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(manifestPath);
  const artifacts = manifest.artifacts ?? {};
  const stack = artifacts[stackName];
  if (!stack || stack.type !== 'aws:cloudformation:stack') {
    const stacks = Object.entries(artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([name]) => name);
    throw new TemplateError(`stack ${stackName} is not in ${manifestPath} (stacks: ${stacks.join(', ') || 'none'})`);
  }
  const templatePath = join(dir, stack.properties?.templateFile ?? `${stackName}.template.json`);
  const template = readJson<CfnTemplate>(templatePath);
  if (typeof template.Resources !== 'object' || template.Resources === null) {
    throw new TemplateError(`${templatePath} has no Resources`);
  }
  return {
    stackName,
    cdkOutDir: dir,
    templatePath,
    template,
    region: environmentRegion(stack.environment),
    assetDirs: readAssetDirs(dir, artifacts, stack),
  };
}

/** `aws://unknown-account/us-east-1` -> `us-east-1`; undefined for an environment-agnostic stack. */
function environmentRegion(environment: string | undefined): string | undefined {
  const match = /^aws:\/\/[^/]+\/(.+)$/.exec(environment ?? '');
  const region = match?.[1];
  return region && region !== 'unknown-region' ? region : undefined;
}

/** Maps every file asset's S3 object key to its folder, from the stack's asset manifests. */
function readAssetDirs(dir: string, artifacts: Record<string, ManifestArtifact>, stack: ManifestArtifact): Map<string, string> {
  const assetDirs = new Map<string, string>();
  for (const dependency of stack.dependencies ?? []) {
    const artifact = artifacts[dependency];
    if (artifact?.type !== 'cdk:asset-manifest' || !artifact.properties?.file) continue;
    const assets = readJson<AssetManifest>(join(dir, artifact.properties.file));
    for (const file of Object.values(assets.files ?? {})) {
      if (!file.source?.path || file.source.packaging !== 'zip') continue;
      for (const destination of Object.values(file.destinations ?? {})) {
        if (destination.objectKey) assetDirs.set(destination.objectKey, join(dir, file.source.path));
      }
    }
  }
  return assetDirs;
}

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TemplateError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TemplateError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Resources of one type, in template order, with their logical ids. */
export function resourcesOfType(template: CfnTemplate, type: string): Array<{ logicalId: string; resource: CfnResource }> {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => ({ logicalId, resource }));
}

/** A short readable name from the CDK path (`Stack/Webhooks/DispatcherFunction/Resource` -> `DispatcherFunction`). */
export function constructLabel(logicalId: string, resource: CfnResource): string {
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return logicalId;
  const parts = path.split('/').filter((part) => part !== '' && part !== 'Resource');
  return parts[parts.length - 1] ?? logicalId;
}
