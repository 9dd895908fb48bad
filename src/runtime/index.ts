/**
 * `cdk-serverless-tracing/runtime`: trace context across SQS, SNS and EventBridge, inside Lambda handlers.
 * Node-only, not part of the jsii API; imports nothing from the construct side or aws-cdk-lib.
 */
export { TraceContext, HeaderValue, parseTraceparent, parseTracestate, formatTraceparent } from './trace-context';
export { parseXrayHeader, formatXrayHeader, xrayToTraceparent, traceparentToXray, lambdaTraceHeader } from './xray-header';
export { currentTraceContext } from './current-context';
export { injectSqsMessage, sqsRecordContext, SqsMessageInput, SqsRecordLike, MessageAttributeInput, MAX_MESSAGE_ATTRIBUTES, MAX_MESSAGE_BYTES } from './sqs';
export { injectSnsMessage, snsRecordContext, SnsMessageInput, SnsRecordLike } from './sns';
export { injectEventBridgeEntry, eventBridgeEventContext, EventBridgeEntryInput, DEFAULT_EVENTBRIDGE_KEY, MAX_EVENTBRIDGE_ENTRY_BYTES } from './eventbridge';
export { processSqsBatch, SqsBatchOptions, SqsBatchResponse, SqsRecordScope, LambdaContextLike, DEFAULT_DEADLINE_MARGIN_MS } from './batch';
export { annotate, addMetadata, annotateInvocation, AnnotationValue, XRAY_ANNOTATIONS_ATTRIBUTE, MAX_ANNOTATIONS } from './annotations';
export {
  createTraceToken, readTraceToken, startLinkedSpan, TraceTokenContents, TraceTokenOptions, ReadTraceTokenOptions, LinkedSpanOptions,
  TraceTokenRefusal, TraceTokenSecret, TRACE_TOKEN_VERSION, MAX_TRACE_TOKEN_LENGTH, MAX_BUSINESS_KEY_BYTES,
} from './trace-token';
