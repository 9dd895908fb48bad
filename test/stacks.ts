import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { OrderPipelineStack } from '../examples/order-pipeline/order-pipeline-stack';
import {
  OpenTelemetryLayer, SamplingStrategy, SloObjective, TracedEventBus, TracedFunction, TracedNodejsFunction, TracedQueue, TracedTopic, TraceExporter,
  TracingAlarmGranularity, TracingAlarms, TracingDashboard, TracingSlo, TransactionSearch,
} from '../src';

/** The example application, as `npx projen example` builds it (region-agnostic). */
export function exampleStack(app: App = new App()): OrderPipelineStack {
  return new OrderPipelineStack(app, 'OrderPipeline', { paymentApiUrl: 'https://payments.example.com/v1/charges' });
}

/**
 * A stack using every construct and layer mode the way a careful user would (sized functions, log
 * retention, latest runtimes), for cdk-nag and cfn-lint. `region` undefined makes it region-agnostic.
 */
export function coverageStack(app: App, id: string, region?: string): Stack {
  const stack = new Stack(app, id, region ? { env: { account: '123456789012', region } } : {});
  const sized = (name: string) => ({
    memorySize: 256,
    timeout: Duration.seconds(20),
    logGroup: new logs.LogGroup(stack, `${name}Logs`, { retention: logs.RetentionDays.TWO_WEEKS, removalPolicy: RemovalPolicy.DESTROY }),
  });
  const producer = new TracedNodejsFunction(stack, 'Producer', {
    ...sized('Producer'),
    entry: path.join(__dirname, 'fixtures', 'otel-handler.ts'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
  });
  const pythonConsumer = new TracedFunction(stack, 'PythonConsumer', {
    ...sized('PythonConsumer'),
    runtime: lambda.Runtime.PYTHON_3_14,
    handler: 'index.handler',
    code: lambda.Code.fromInline('def handler(event, context):\n    return {"batchItemFailures": []}\n'),
  });
  const plain = new TracedFunction(stack, 'XRayOnly', {
    ...sized('XRayOnly'),
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    openTelemetry: OpenTelemetryLayer.none(),
    tracing: lambda.Tracing.PASS_THROUGH,
  });

  const standard = new TracedQueue(stack, 'Standard');
  standard.addProducer(producer);
  standard.addConsumer(plain, { batchSize: 50, maxBatchingWindow: Duration.seconds(2) });

  const key = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  const fifo = new TracedQueue(stack, 'Fifo', { fifo: true, encryptionMasterKey: key, contentBasedDeduplication: true });
  const managedKey = new TracedQueue(stack, 'LibraryKey', { encryption: sqs.QueueEncryption.KMS });
  managedKey.addProducer(producer);
  fifo.addProducer(producer);
  fifo.addConsumer(pythonConsumer, { batchSize: 10 });

  const bus = new TracedEventBus(stack, 'Payments', { archive: { retention: Duration.days(7) } });
  bus.addProducer(producer);
  bus.addConsumer('ToPython', pythonConsumer, { eventPattern: { source: ['orders.charge'] } });
  bus.addConsumer('ToQueue', standard, { eventPattern: { source: ['orders.charge'] } });

  const topic = new TracedTopic(stack, 'OrderEvents');
  topic.addProducer(producer);
  topic.addSubscriber(new TracedQueue(stack, 'Audit'));
  topic.addSubscriber(plain);

  if (region) new TransactionSearch(stack, 'Search', { indexingPercentage: 5 });

  const backendKey = new secretsmanager.Secret(stack, 'TempoHeaders');
  NagSuppressions.addResourceSuppressions(backendKey, [{ id: 'AwsSolutions-SMG4', reason: 'A third-party API key rotated by the tracing backend, not by Secrets Manager.' }]);
  const exporting = new TracedFunction(stack, 'ExportsToTempo', {
    ...sized('ExportsToTempo'),
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    exporter: TraceExporter.otlp({ endpoint: 'https://tempo.example.com/v1/traces', headersSecret: backendKey }),
  });

  SamplingStrategy.forRoute(stack, 'ApiSampling', { priority: 100, urlPath: '/orders', httpMethod: 'POST', percent: 5 });
  SamplingStrategy.criticalPath(stack, 'PaymentsSampling', { priority: 10, urlPath: '/payments/*', percent: 100 });
  SamplingStrategy.boostOnAnomalies(stack, 'ChargeSampling', { priority: 200, serviceName: 'charge', percent: 1, maxPercent: 50 });

  NagSuppressions.addResourceSuppressions(plain, ['Serverless-LambdaTracing', 'TracingChecks-FunctionTracing'].map((rule) => ({
    id: rule,
    reason: 'This consumer deliberately only propagates trace context (PassThrough); its caller decides sampling.',
  })));
  for (const fn of [producer, pythonConsumer, plain, exporting]) {
    NagSuppressions.addResourceSuppressions(fn, [
      { id: 'Serverless-LambdaDLQ', reason: 'Invoked synchronously or by an SQS event source; the queues own the dead-letter handling.' },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: 'Never invoked asynchronously in this stack.' },
    ]);
    NagSuppressions.addResourceSuppressions(fn.role!, [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaBasicExecutionRole only grants writes to the function\'s own log streams.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    }]);
  }
  // Observability over everything above: per-service alarms (the compact mode; the example covers the
  // per-resource one) with the encrypted topic, the dashboard and both SLO kinds.
  new TracingDashboard(stack, 'Dashboard');
  new TracingAlarms(stack, 'Alarms', { createTopic: true, granularity: TracingAlarmGranularity.SERVICE });
  new TracingSlo(stack, 'ProducerAvailability', { function: producer, objective: SloObjective.AVAILABILITY });
  new TracingSlo(stack, 'PlainLatency', { function: plain, objective: SloObjective.LATENCY, latencyThreshold: Duration.seconds(2) });
  return stack;
}
