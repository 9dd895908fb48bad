import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DISTRO_LAYER_ARNS, DISTRO_LAYER_TABLE_DATE } from './distro-layer-arns.generated';

/** The runtime families the AWSOpenTelemetryDistro* layers exist for. */
export type DistroLanguage = 'NODEJS' | 'PYTHON';

export const DISTRO_LAYER_NAMES: Record<DistroLanguage, string> = {
  NODEJS: 'AWSOpenTelemetryDistroJs',
  PYTHON: 'AWSOpenTelemetryDistroPython',
};

const MAPPING_ID = 'AwsOpenTelemetryDistroLayerArns';

/**
 * The regions the shipped table has a layer for.
 */
export function distroLayerRegions(language: DistroLanguage): string[] {
  return Object.keys(DISTRO_LAYER_ARNS).filter((region) => DISTRO_LAYER_ARNS[region][language] !== undefined);
}

/**
 * Throws, naming the region, when the stack's concrete region has no distro layer for `language`.
 * Returns nothing for token regions: those resolve at deploy time.
 */
export function checkDistroLayerAvailable(scope: Construct, language: DistroLanguage, propName: string): void {
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) return;
  if (DISTRO_LAYER_ARNS[region]?.[language] !== undefined) return;
  throw new Error(
    `${propName}: no ${DISTRO_LAYER_NAMES[language]} layer is known for region '${region}' ` +
    `(layer table of ${DISTRO_LAYER_TABLE_DATE}; known regions: ${distroLayerRegions(language).join(', ')}). ` +
    'Pass OpenTelemetryLayer.fromLayerArn(...) with a layer published in that region, or OpenTelemetryLayer.none().',
  );
}

/**
 * The distro layer version ARN for the stack of `scope`: a literal for a concrete region, or
 * `Fn::FindInMap` on `AWS::Region` over one per-stack `CfnMapping` when the region is a token.
 * `checkDistroLayerAvailable` must have accepted the region.
 */
export function distroLayerArn(scope: Construct, language: DistroLanguage): string {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    return DISTRO_LAYER_ARNS[stack.region][language]!;
  }
  const mapping = (stack.node.tryFindChild(MAPPING_ID) as CfnMapping | undefined) ?? new CfnMapping(stack, MAPPING_ID, {
    mapping: distroLayerMapping(),
  });
  return mapping.findInMap(Aws.REGION, language);
}

function distroLayerMapping(): Record<string, Record<string, string>> {
  const mapping: Record<string, Record<string, string>> = {};
  for (const [region, arns] of Object.entries(DISTRO_LAYER_ARNS)) {
    mapping[region] = { ...arns } as Record<string, string>;
  }
  return mapping;
}
