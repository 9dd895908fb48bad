import { CfnResource, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { isLiteral } from './cfn-values';
import { TracingCheckDefinition, TracingCheckResult, tracingCheckId } from '../tracing-check-rule';

/** A rule target as `stack.resolve` renders the L1 `Targets` property (camel-cased keys). */
interface ResolvedTarget {
  readonly deadLetterConfig?: { readonly arn?: unknown };
  readonly input?: unknown;
  readonly inputPath?: unknown;
  readonly inputTransformer?: { readonly inputPathsMap?: unknown; readonly inputTemplate?: unknown };
}

/**
 * Combines per-target results: a finding when one target breaks the rule, compliant when every target is
 * known to keep it, else not applicable.
 */
function perTarget(resource: CfnResource, stack: Stack, check: (target: ResolvedTarget) => TracingCheckResult): TracingCheckResult {
  if (!(resource instanceof events.CfnRule)) return TracingCheckResult.NOT_APPLICABLE;
  const targets = stack.resolve(resource.targets);
  if (!Array.isArray(targets) || targets.length === 0) return TracingCheckResult.NOT_APPLICABLE;
  const results = targets.map((t: unknown) => (t !== null && typeof t === 'object' ? check(t) : TracingCheckResult.NOT_APPLICABLE));
  if (results.includes(TracingCheckResult.NON_COMPLIANT)) return TracingCheckResult.NON_COMPLIANT;
  return results.every((r) => r === TracingCheckResult.COMPLIANT) ? TracingCheckResult.COMPLIANT : TracingCheckResult.NOT_APPLICABLE;
}

export const EVENT_TARGET_DEAD_LETTER_QUEUE: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('EventTargetDeadLetterQueue'),
    name: 'EventBridge rule target without a dead-letter queue',
    explanation: 'When EventBridge gives up delivering to a target without a DeadLetterConfig, the event is dropped: its trace just ends, ' +
      'with no record of the lost delivery to find it from.',
    fix: 'Route events with TracedEventBus.addConsumer, which gives each target a dead-letter queue and a retry policy; ' +
      'with plain aws-cdk-lib, pass deadLetterQueue to the target.',
  },
  evaluate: (resource, stack) => perTarget(resource, stack, (target) => target.deadLetterConfig?.arn !== undefined
    ? TracingCheckResult.COMPLIANT
    : TracingCheckResult.NON_COMPLIANT),
};

/** Input paths that deliver what `eventBridgeEventContext` (src/runtime/eventbridge.ts) reads the carrier from. */
const CARRYING_INPUT_PATHS = ['$', '$.detail'];
/** Where `injectEventBridgeEntry` writes the W3C carrier: `_trace` inside `detail`. */
const CARRIER_PATH = '$.detail._trace';
/** EventBridge's predefined input transformer variables for the whole event. */
const WHOLE_EVENT_VARIABLES = ['aws.events.event', 'aws.events.event.json'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether a transformer still delivers the carrier where the runtime looks for it: the whole event or
 * `detail` as the whole input, `detail` under a top-level `"detail"` key, or the carrier under a
 * top-level `"_trace"` key.
 */
function templateCarries(paths: Record<string, unknown>, template: string): boolean {
  const variables = (path: string) => Object.keys(paths).filter((name) => paths[name] === path);
  const whole = [...WHOLE_EVENT_VARIABLES, ...variables('$'), ...variables('$.detail')];
  if (whole.some((name) => template.trim() === `<${name}>`)) return true;
  const under = (key: string, names: string[]) => names.some((name) => new RegExp(`"${key}"\\s*:\\s*<${escapeRegExp(name)}>`).test(template));
  return under('detail', variables('$.detail')) || under('_trace', variables(CARRIER_PATH));
}

function carrierResult(target: ResolvedTarget): TracingCheckResult {
  if (target.input !== undefined) return TracingCheckResult.NON_COMPLIANT;
  if (target.inputPath !== undefined) {
    if (!isLiteral(target.inputPath)) return TracingCheckResult.NOT_APPLICABLE;
    return CARRYING_INPUT_PATHS.includes(target.inputPath as string) ? TracingCheckResult.COMPLIANT : TracingCheckResult.NON_COMPLIANT;
  }
  const transformer = target.inputTransformer;
  if (transformer === undefined) return TracingCheckResult.COMPLIANT;
  const paths = transformer.inputPathsMap ?? {};
  const template = transformer.inputTemplate;
  if (typeof template !== 'string' || !isLiteral(paths) || typeof paths !== 'object') return TracingCheckResult.NOT_APPLICABLE;
  return templateCarries(paths as Record<string, unknown>, template) ? TracingCheckResult.COMPLIANT : TracingCheckResult.NON_COMPLIANT;
}

export const EVENT_TARGET_TRACE_CARRIER: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('EventTargetTraceCarrier'),
    name: 'EventBridge target input that drops the trace carrier',
    explanation: 'The W3C trace context travels in the event as detail._trace; a constant Input, an InputPath other than $ or $.detail, ' +
      'or an InputTransformer that does not pass it on delivers the event without it, so the consumer starts a new trace.',
    fix: 'Send the whole event or $.detail (events.RuleTargetInput.fromEventPath(\'$.detail\')), or keep the carrier in the template ' +
      'with a top-level _trace: events.EventField.fromPath(\'$.detail._trace\'); TracedEventBus.addConsumer refuses a message that drops it.',
  },
  evaluate: (resource, stack) => perTarget(resource, stack, carrierResult),
};
