import { Aws, CfnMapping, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DISTRO_LAYER_ARNS, DISTRO_LAYER_TABLE_DATE } from './distro-layer-arns.generated';

/** The runtime families the AWSOpenTelemetryDistro* layers exist for. */
export type DistroLanguage = 'NODEJS' | 'PYTHON';

export const DISTRO_LAYER_NAMES: Record<DistroLanguage, string> = {
  NODEJS: 'AWSOpenTelemetryDistroJs',
  PYTHON: 'AWSOpenTelemetryDistroPython',
};

/** The CfnMapping a region-agnostic stack picks the distro layer from. */
export const DISTRO_LAYER_MAPPING_ID = 'AwsOpenTelemetryDistroLayerArns';

/**
 * The longest AssertDescription this module writes. CloudFormation documents no quota for
 * AssertDescription; 1,024 is the smallest description quota it does document (template
 * Description, 1,024 bytes), and the region list is shortened to stay within it.
 */
export const MAX_ASSERT_DESCRIPTION_LENGTH = 1024;

/**
 * The regions the shipped table has a layer for.
 */
export function distroLayerRegions(language: DistroLanguage): string[] {
  return Object.keys(DISTRO_LAYER_ARNS).filter((region) => DISTRO_LAYER_ARNS[region][language] !== undefined);
}

/** The regions the shipped distro layer table covers for one language. */
export interface DistroLayerLanguageCoverage {
  /** The layer's name, e.g. AWSOpenTelemetryDistroPython. */
  readonly layerName: string;
  /** The regions the table has a layer version for, sorted. */
  readonly regions: readonly string[];
}

/** What the shipped distro layer table covers, and when it was taken: for documentation. */
export interface DistroLayerCoverage {
  /** The date the table was taken from its source (YYYY-MM-DD). */
  readonly tableDate: string;
  /** Per language, the layer name and the regions covered. */
  readonly languages: { readonly [language in DistroLanguage]: DistroLayerLanguageCoverage };
}

/**
 * The regions covered per language and the table's date (for the README's "regions covered"
 * section). Region-agnostic stacks refuse, through a CloudFormation rule, to deploy anywhere else.
 */
export function distroLayerCoverage(): DistroLayerCoverage {
  const coverage = (language: DistroLanguage): DistroLayerLanguageCoverage => ({
    layerName: DISTRO_LAYER_NAMES[language],
    regions: distroLayerRegions(language).sort(),
  });
  return { tableDate: DISTRO_LAYER_TABLE_DATE, languages: { NODEJS: coverage('NODEJS'), PYTHON: coverage('PYTHON') } };
}

/** The logical ID of the region rule for `language` (one per stack and language). */
export function distroLayerRuleId(language: DistroLanguage): string {
  return `${DISTRO_LAYER_NAMES[language]}RegionCheck`;
}

/**
 * Throws, naming the region, when the stack's concrete region has no distro layer for `language`.
 * Returns nothing for token regions: those resolve at deploy time, where `distroLayerArn`'s
 * CloudFormation rule refuses a region the table does not cover.
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
 * For a token region it also adds, once per stack and language, a CloudFormation rule that
 * refuses the deployment in a region the table has no layer for (instead of an opaque
 * `Fn::FindInMap` failure). `checkDistroLayerAvailable` must have accepted the region.
 */
export function distroLayerArn(scope: Construct, language: DistroLanguage): string {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    return DISTRO_LAYER_ARNS[stack.region][language]!;
  }
  const mapping = (stack.node.tryFindChild(DISTRO_LAYER_MAPPING_ID) as CfnMapping | undefined) ?? new CfnMapping(stack, DISTRO_LAYER_MAPPING_ID, {
    mapping: distroLayerMapping(),
  });
  const ruleId = distroLayerRuleId(language);
  if (!stack.node.tryFindChild(ruleId)) {
    new CfnRule(stack, ruleId, {
      assertions: [{
        assert: Fn.conditionContains(distroLayerRegions(language), Aws.REGION),
        assertDescription: distroLayerAssertDescription(language),
      }],
    });
  }
  return mapping.findInMap(Aws.REGION, language);
}

/**
 * The AssertDescription of the region rule for `language`: the layer, the regions it is published
 * in according to the table (shortened, if need be, to MAX_ASSERT_DESCRIPTION_LENGTH), the table's
 * date, and the way out. `regions` defaults to the table's (other lists are for tests).
 */
export function distroLayerAssertDescription(language: DistroLanguage, regions: readonly string[] = distroLayerRegions(language)): string {
  const text = (list: string) =>
    `${DISTRO_LAYER_NAMES[language]} has no layer version in this stack's Region (AWS::Region); ` +
    `according to the layer table of ${DISTRO_LAYER_TABLE_DATE} it is published in: ${list}. ` +
    'Deploy to one of them, or give the function openTelemetry: OpenTelemetryLayer.fromLayerArn(...) ' +
    'with a layer published in this Region, or OpenTelemetryLayer.none().';
  for (let shown = regions.length; shown > 0; shown--) {
    const more = regions.length - shown;
    const candidate = text(regions.slice(0, shown).join(', ') + (more > 0 ? ` and ${more} more` : ''));
    if (Buffer.byteLength(candidate, 'utf8') <= MAX_ASSERT_DESCRIPTION_LENGTH) return candidate;
  }
  return text(`${regions.length} regions`);
}

function distroLayerMapping(): Record<string, Record<string, string>> {
  const mapping: Record<string, Record<string, string>> = {};
  for (const [region, arns] of Object.entries(DISTRO_LAYER_ARNS)) {
    mapping[region] = { ...arns } as Record<string, string>;
  }
  return mapping;
}
