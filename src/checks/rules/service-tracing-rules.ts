import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { isLiteral, member } from './cfn-values';
import { TracingCheckDefinition, TracingCheckResult, tracingCheckId } from '../tracing-check-rule';

/** A resolved boolean property: CloudFormation takes `true` or `"true"`; unset is false. */
function booleanResult(value: unknown): TracingCheckResult {
  if (value === true || value === 'true') return TracingCheckResult.COMPLIANT;
  return isLiteral(value) ? TracingCheckResult.NON_COMPLIANT : TracingCheckResult.NOT_APPLICABLE;
}

export const REST_API_STAGE_TRACING: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('RestApiStageTracing'),
    name: 'REST API stage without X-Ray tracing',
    explanation: 'A REST API stage without TracingEnabled starts no trace and sends no trace header to its integrations, ' +
      'so every request begins a new, unsampled trace at the first function instead of at the API.',
    fix: 'Set deployOptions: { tracingEnabled: true } on the RestApi (or tracingEnabled: true on the apigateway.Stage).',
  },
  evaluate: (resource, stack) => resource instanceof apigateway.CfnStage
    ? booleanResult(stack.resolve(resource.tracingEnabled))
    : TracingCheckResult.NOT_APPLICABLE,
};

export const STATE_MACHINE_TRACING: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('StateMachineTracing'),
    name: 'State machine without X-Ray tracing',
    explanation: 'A state machine without TracingConfiguration Enabled records no segment for its executions and passes no trace header ' +
      'to the tasks it calls, which splits one workflow into unrelated traces.',
    fix: 'Set tracingEnabled: true on the sfn.StateMachine.',
  },
  evaluate: (resource, stack) => resource instanceof sfn.CfnStateMachine
    ? booleanResult(stack.resolve(member(stack, resource.tracingConfiguration, 'enabled')))
    : TracingCheckResult.NOT_APPLICABLE,
};

export const TOPIC_ACTIVE_TRACING: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('TopicActiveTracing'),
    name: 'SNS topic without active tracing',
    explanation: 'A topic whose TracingConfig is not Active records no segment for publishes and deliveries, so traces through it show ' +
      'no SNS node and the time spent in SNS is invisible.',
    fix: 'Use TracedTopic, which is actively traced and writes the X-Ray resource policy; with plain aws-cdk-lib, set tracingConfig: sns.TracingConfig.ACTIVE.',
  },
  evaluate: (resource, stack) => {
    if (!(resource instanceof sns.CfnTopic)) return TracingCheckResult.NOT_APPLICABLE;
    const mode = stack.resolve(resource.tracingConfig);
    if (mode === 'Active') return TracingCheckResult.COMPLIANT;
    return isLiteral(mode) ? TracingCheckResult.NON_COMPLIANT : TracingCheckResult.NOT_APPLICABLE;
  },
};
