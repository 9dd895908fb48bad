import * as fs from 'fs';
import * as path from 'path';
import { CloudFormationTemplate, isObject, renderText } from './template-values';

/** One CloudFormation stack of a cloud assembly, with its template. */
export interface AssemblyStack {
  /** The stack's display name (`Stage/Stack` inside a stage), or its artifact id. */
  readonly name: string;
  /** The template's path relative to the assembly directory given on the command line. */
  readonly templateFile: string;
  readonly template: CloudFormationTemplate;
}

/** A problem with the assembly itself, reported to the user with exit code 2. */
export class AssemblyError extends Error {}

interface ManifestArtifact {
  readonly type?: string;
  readonly displayName?: string;
  readonly properties?: { templateFile?: string; directoryName?: string; file?: string };
}

/**
 * The stacks of a synthesized cloud assembly, read from `manifest.json` and the templates it lists, the
 * same way for any CDK app: nested assemblies (stages) are followed, and nested stacks become stacks of
 * their own (`Parent/LogicalId`).
 */
export function readAssembly(directory: string): AssemblyStack[] {
  const stat = statOf(directory);
  if (!stat) throw new AssemblyError(`cloud assembly not found: ${directory} does not exist (synthesize the app first, e.g. npx cdk synth)`);
  if (!stat.isDirectory()) throw new AssemblyError(`cloud assembly ${directory} is not a directory`);
  return readNested(directory, directory, '');
}

function readNested(root: string, directory: string, prefix: string): AssemblyStack[] {
  const manifestFile = path.join(directory, 'manifest.json');
  if (!statOf(manifestFile)) {
    throw new AssemblyError(`${directory} is not a cloud assembly: it has no manifest.json (synthesize the app first, e.g. npx cdk synth)`);
  }
  const manifest = readJson(manifestFile) as { artifacts?: Record<string, ManifestArtifact> };
  const artifacts = Object.entries(manifest.artifacts ?? {});
  const templateAssets = templateAssetFiles(directory, artifacts.map(([, a]) => a));
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of artifacts) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const templateFile = path.join(directory, artifact.properties.templateFile);
      const template = readJson(templateFile) as CloudFormationTemplate;
      const name = artifact.displayName ?? `${prefix}${id}`;
      stacks.push({ name, templateFile: path.relative(root, templateFile), template });
      stacks.push(...nestedStacks(root, templateAssets, name, template));
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...readNested(root, path.join(directory, artifact.properties.directoryName), `${prefix}${id}/`));
    }
  }
  return stacks;
}

/**
 * Nested stacks whose templates are files of the assembly: the parent's `TemplateURL` ends with the
 * object key the asset manifest gives the file.
 */
function nestedStacks(root: string, templateAssets: Map<string, string>, parent: string, template: CloudFormationTemplate): AssemblyStack[] {
  const found: AssemblyStack[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
    const url = renderText(resource.Properties?.TemplateURL, template);
    const templateFile = [...templateAssets.entries()].find(([objectKey]) => url.endsWith(`/${objectKey}`))?.[1];
    if (templateFile === undefined) continue;
    const nested = readJson(templateFile) as CloudFormationTemplate;
    const name = `${parent}/${id}`;
    found.push({ name, templateFile: path.relative(root, templateFile), template: nested }, ...nestedStacks(root, templateAssets, name, nested));
  }
  return found;
}

/** The template files the directory's asset manifests publish, by the S3 object key they are published under. */
function templateAssetFiles(directory: string, artifacts: ManifestArtifact[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const artifact of artifacts.filter((a) => a.type === 'cdk:asset-manifest' && a.properties?.file)) {
    const assets = readJson(path.join(directory, artifact.properties!.file!)) as { files?: Record<string, unknown> };
    for (const asset of Object.values(assets.files ?? {}).filter(isObject)) {
      const source = isObject(asset.source) ? asset.source.path : undefined;
      if (typeof source !== 'string' || !source.endsWith('.template.json')) continue;
      for (const destination of Object.values(isObject(asset.destinations) ? asset.destinations : {}).filter(isObject)) {
        if (typeof destination.objectKey === 'string') files.set(destination.objectKey, path.join(directory, source));
      }
    }
  }
  return files;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AssemblyError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) throw new Error('not a JSON object');
    return parsed;
  } catch (e) {
    throw new AssemblyError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new AssemblyError(`cannot read ${file}: ${(e as Error).message}`);
  }
}
