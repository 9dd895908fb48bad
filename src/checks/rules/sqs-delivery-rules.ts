import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { isLiteral, joinedString, referencedResource } from './cfn-values';
import { TracingCheckDefinition, TracingCheckResult, tracingCheckId } from '../tracing-check-rule';

export const SQS_SUBSCRIPTION_RAW_DELIVERY: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('SqsSubscriptionRawDelivery'),
    name: 'SNS to SQS subscription without raw message delivery',
    explanation: 'Without RawMessageDelivery, SNS wraps each message in a JSON envelope and its message attributes, including the W3C ' +
      'traceparent and tracestate, stay inside that body instead of becoming SQS message attributes, so consumers that read trace context ' +
      'from message attributes lose it.',
    fix: 'Subscribe the queue with TracedTopic.addSubscriber, which turns raw delivery on; with plain aws-cdk-lib, pass rawMessageDelivery: true to the SqsSubscription.',
  },
  evaluate: (resource, stack) => {
    if (!(resource instanceof sns.CfnSubscription)) return TracingCheckResult.NOT_APPLICABLE;
    const protocol = stack.resolve(resource.protocol);
    if (protocol !== 'sqs') return TracingCheckResult.NOT_APPLICABLE;
    const raw = stack.resolve(resource.rawMessageDelivery);
    if (raw === true || raw === 'true') return TracingCheckResult.COMPLIANT;
    return isLiteral(raw) ? TracingCheckResult.NON_COMPLIANT : TracingCheckResult.NOT_APPLICABLE;
  },
};

/** Whether an event source mapping is known at synthesis to read from an SQS queue. */
function readsFromSqs(mapping: lambda.CfnEventSourceMapping, stack: Stack): boolean {
  if (referencedResource(stack, mapping.eventSourceArn) instanceof sqs.CfnQueue) return true;
  // arn:<partition>:sqs:<region>:<account>:<queue>
  return joinedString(stack.resolve(mapping.eventSourceArn))?.split(':')[2] === 'sqs';
}

export const SQS_PARTIAL_BATCH_FAILURES: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('SqsPartialBatchFailures'),
    name: 'SQS event source without partial batch failures',
    explanation: 'Without ReportBatchItemFailures, one failing message makes Lambda retry the whole batch: messages that succeeded are ' +
      'processed again, each retry adds spans to their traces, and the failure is attributed to the batch instead of to its message.',
    fix: 'Consume the queue with TracedQueue.addConsumer; with plain aws-cdk-lib, pass reportBatchItemFailures: true to the SqsEventSource. ' +
      'Either way the handler returns batchItemFailures, as processSqsBatch does.',
  },
  evaluate: (resource, stack) => {
    if (!(resource instanceof lambda.CfnEventSourceMapping)) return TracingCheckResult.NOT_APPLICABLE;
    if (!readsFromSqs(resource, stack)) return TracingCheckResult.NOT_APPLICABLE;
    const types = stack.resolve(resource.functionResponseTypes);
    if (Array.isArray(types) && types.includes('ReportBatchItemFailures')) return TracingCheckResult.COMPLIANT;
    return isLiteral(types) ? TracingCheckResult.NON_COMPLIANT : TracingCheckResult.NOT_APPLICABLE;
  },
};

/**
 * The function a mapping's FunctionName points at: a `Ref` to it, or its name qualified with a version
 * (`<Ref>:<version>`, how aws-cdk-lib writes a `Version` target). Undefined for anything else.
 */
function consumerOf(mapping: lambda.CfnEventSourceMapping, stack: Stack): lambda.CfnFunction | undefined {
  let target = referencedResource(stack, mapping.functionName);
  if (target === undefined) {
    const join = (stack.resolve(mapping.functionName) as { 'Fn::Join'?: unknown } | undefined)?.['Fn::Join'];
    const parts = Array.isArray(join) && join[0] === '' && Array.isArray(join[1]) ? join[1] : [];
    const qualified = typeof parts[1] === 'string' && parts[1].startsWith(':');
    target = qualified ? referencedResource(stack, parts[0]) : undefined;
  }
  return target instanceof lambda.CfnFunction ? target : undefined;
}

/** CloudFormation's defaults when the property is not set. */
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 3;

export const QUEUE_VISIBILITY_TIMEOUT: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('QueueVisibilityTimeout'),
    name: 'Queue visibility timeout below six times its consumer\'s timeout',
    explanation: 'AWS asks for a visibility timeout of at least six times the consuming function\'s timeout: with less, a message still being ' +
      'processed, or waiting while Lambda retries a throttled batch, becomes visible again and is delivered twice, which shows as a duplicate consumer span.',
    fix: 'Consume the queue with TracedQueue.addConsumer, which derives the visibility timeout from its consumers; otherwise set visibilityTimeout ' +
      'to at least 6 x the function\'s timeout (plus its maxBatchingWindow).',
  },
  evaluate: (resource, stack) => {
    if (!(resource instanceof lambda.CfnEventSourceMapping)) return TracingCheckResult.NOT_APPLICABLE;
    const queue = referencedResource(stack, resource.eventSourceArn);
    const fn = consumerOf(resource, stack);
    if (!(queue instanceof sqs.CfnQueue) || fn === undefined) return TracingCheckResult.NOT_APPLICABLE;
    const visibility = Stack.of(queue).resolve(queue.visibilityTimeout) ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
    const timeout = Stack.of(fn).resolve(fn.timeout) ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS;
    if (typeof visibility !== 'number' || typeof timeout !== 'number') return TracingCheckResult.NOT_APPLICABLE;
    return visibility >= 6 * timeout ? TracingCheckResult.COMPLIANT : TracingCheckResult.NON_COMPLIANT;
  },
};
