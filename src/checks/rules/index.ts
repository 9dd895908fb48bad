import { EVENT_TARGET_DEAD_LETTER_QUEUE, EVENT_TARGET_TRACE_CARRIER } from './event-target-rules';
import { FUNCTION_OPENTELEMETRY_LAYER, FUNCTION_TRACING } from './function-rules';
import { FUNCTION_LOG_RETENTION } from './log-retention-rule';
import { RESOURCE_ATTRIBUTES_PERSONAL_DATA } from './resource-attributes-rule';
import { REST_API_STAGE_TRACING, STATE_MACHINE_TRACING, TOPIC_ACTIVE_TRACING } from './service-tracing-rules';
import { QUEUE_VISIBILITY_TIMEOUT, SQS_PARTIAL_BATCH_FAILURES, SQS_SUBSCRIPTION_RAW_DELIVERY } from './sqs-delivery-rules';
import { TracingCheckDefinition } from '../tracing-check-rule';

/** Every rule of the pack, in the order they are evaluated and documented. */
export const TRACING_CHECK_DEFINITIONS: readonly TracingCheckDefinition[] = [
  FUNCTION_TRACING,
  FUNCTION_OPENTELEMETRY_LAYER,
  FUNCTION_LOG_RETENTION,
  RESOURCE_ATTRIBUTES_PERSONAL_DATA,
  REST_API_STAGE_TRACING,
  STATE_MACHINE_TRACING,
  TOPIC_ACTIVE_TRACING,
  SQS_SUBSCRIPTION_RAW_DELIVERY,
  SQS_PARTIAL_BATCH_FAILURES,
  QUEUE_VISIBILITY_TIMEOUT,
  EVENT_TARGET_DEAD_LETTER_QUEUE,
  EVENT_TARGET_TRACE_CARRIER,
];
