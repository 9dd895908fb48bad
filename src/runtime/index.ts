/**
 * `cdk-serverless-tracing/runtime`: trace context across SQS, SNS and EventBridge, inside Lambda handlers.
 * Node-only, not part of the jsii API; imports nothing from the construct side or aws-cdk-lib.
 */
export { TraceContext, HeaderValue, parseTraceparent, parseTracestate, formatTraceparent } from './trace-context';
export { parseXrayHeader, formatXrayHeader, xrayToTraceparent, traceparentToXray, lambdaTraceHeader } from './xray-header';
export { currentTraceContext } from './current-context';
export { injectSqsMessage, sqsRecordContext, SqsMessageInput, SqsRecordLike, MessageAttributeInput, MAX_MESSAGE_ATTRIBUTES } from './sqs';
export { injectSnsMessage, snsRecordContext, SnsMessageInput, SnsRecordLike } from './sns';
export { injectEventBridgeEntry, eventBridgeEventContext, EventBridgeEntryInput, DEFAULT_EVENTBRIDGE_KEY, MAX_EVENTBRIDGE_ENTRY_BYTES } from './eventbridge';
export { processSqsBatch, SqsBatchOptions, SqsBatchResponse, SqsRecordScope } from './batch';
