/**
 * What every scenario of bench-synth builds, and the resources the bare and cdk-monitoring-constructs
 * scenarios share: N functions, 40 per stack, in producer -> queue -> consumer pairs (so each stack holds 20
 * queues, each with its dead-letter queue, one producer and one consumer, as `TracedQueue` makes them).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DISTRO_LAYER_ARNS } from '../../src/function/distro-layer-arns.generated';

export const ENV = { account: '123456789012', region: 'us-east-1' };
export const FUNCTIONS_PER_STACK = 40;
export const TIMEOUT = Duration.seconds(10);
/** What `TracedQueue` derives from a 10 s consumer: six times its timeout. */
export const VISIBILITY = Duration.seconds(60);
export const CODE = 'exports.handler = async () => ({});';
export const DISTRO_LAYER_ARN = DISTRO_LAYER_ARNS[ENV.region].NODEJS!;

/** How many functions each stack holds: full stacks of 40, the rest in the last one. */
export function stackSizes(functions: number): number[] {
  const sizes: number[] = [];
  for (let left = functions; left > 0; left -= FUNCTIONS_PER_STACK) sizes.push(Math.min(FUNCTIONS_PER_STACK, left));
  return sizes;
}

/** The service a function's traces, alarms and dashboard section are named after (the library's default). */
export function serviceName(stack: Stack, index: number): string {
  return `${stack.stackName}-fn${index + 1}`.toLowerCase();
}

export interface PlainQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly producer: lambda.Function;
  readonly consumer: lambda.Function;
}

export interface PlainResources {
  readonly functions: lambda.Function[];
  readonly queues: PlainQueue[];
}

/**
 * The traced functions and queues written with aws-cdk-lib alone, as a careful user would without the
 * library: active tracing with the distro layer and its exec wrapper, JSON logs; encrypted, SSL-only queues
 * with a dead-letter queue; consumers that report partial batch failures.
 */
export function plainResources(stack: Stack, count: number): PlainResources {
  const layer = lambda.LayerVersion.fromLayerVersionArn(stack, 'OpenTelemetryDistro', DISTRO_LAYER_ARN);
  const functions = Array.from({ length: count }, (_, i) => new lambda.Function(stack, `Fn${i + 1}`, {
    code: lambda.Code.fromInline(CODE),
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    memorySize: 256,
    timeout: TIMEOUT,
    tracing: lambda.Tracing.ACTIVE,
    layers: [layer],
    environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument' },
    loggingFormat: lambda.LoggingFormat.JSON,
  }));
  const queues: PlainQueue[] = [];
  for (let q = 0; 2 * q + 1 < count; q++) {
    const deadLetterQueue = new sqs.Queue(stack, `Queue${q + 1}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(stack, `Queue${q + 1}`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: VISIBILITY,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    const producer = functions[2 * q];
    const consumer = functions[2 * q + 1];
    queue.grantSendMessages(producer);
    producer.addEnvironment(`QUEUE${q + 1}_QUEUE_URL`, queue.queueUrl);
    consumer.addEventSource(new SqsEventSource(queue, { reportBatchItemFailures: true }));
    queues.push({ queue, deadLetterQueue, producer, consumer });
  }
  return { functions, queues };
}
