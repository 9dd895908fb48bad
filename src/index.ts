export { TracingRegistry, TracedFunctionRecord, TracedQueueRecord, TracedConnection, TracedConnectionRole, OpenTelemetryMode } from './registry/tracing-registry';
export { OpenTelemetryLayer } from './function/open-telemetry-layer';
export { FunctionTracing, FunctionInstrumentationOptions, FunctionTracingOptions } from './function/function-tracing';
export { TracedFunction, TracedFunctionProps } from './function/traced-function';
export { TracedNodejsFunction, TracedNodejsFunctionProps } from './function/traced-nodejs-function';
export { TracedQueue, TracedQueueProps, QueueConsumerOptions, QueueProducerOptions } from './queue/traced-queue';
export { TracingReport } from './observability/tracing-report';
export { TracingSamplingRule, TracingSamplingRuleProps, SamplingRateBoost, SAMPLING_RULES_QUOTA } from './sampling/tracing-sampling-rule';
export { SamplingStrategy, PercentageSamplingOptions, ServiceSamplingOptions, RouteSamplingOptions, AnomalyBoostSamplingOptions } from './sampling/sampling-strategy';
