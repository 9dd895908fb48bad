import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';

/*
 * What the tracing registry records: plain data about traced resources, read by dashboards, alarms,
 * checks and the report.
 */

/**
 * How a traced function's OpenTelemetry layer was chosen.
 */
export enum OpenTelemetryMode {
  /** The AWS Distro for OpenTelemetry layer (`AWSOpenTelemetryDistroJs` / `AWSOpenTelemetryDistroPython`). */
  AWS_DISTRO = 'AWS_DISTRO',
  /** aws-cdk-lib's own `adotInstrumentation` (the legacy ADOT collector layers). */
  LEGACY_ADOT = 'LEGACY_ADOT',
  /** A layer version ARN given by the user. */
  CUSTOM_LAYER = 'CUSTOM_LAYER',
  /** No OpenTelemetry layer: X-Ray tracing only. */
  NONE = 'NONE',
}

/**
 * What the tracing registry knows about a traced function.
 */
export interface TracedFunctionRecord {
  /** The instrumented function. */
  readonly function: lambda.Function;
  /** The service name traces and logs of this function carry (`OTEL_SERVICE_NAME`, `POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  /** The X-Ray tracing mode of the function: `Tracing.ACTIVE` or `Tracing.PASS_THROUGH`. */
  readonly tracing: lambda.Tracing;
  /** How the OpenTelemetry layer was chosen. */
  readonly openTelemetryMode: OpenTelemetryMode;
  /**
   * The layer version ARN attached; a token when the stack's region is resolved at deploy time.
   * @default - no layer (`OpenTelemetryMode.NONE`)
   */
  readonly layerArn?: string;
  /**
   * The `AWS_LAMBDA_EXEC_WRAPPER` the layer runs the handler through.
   * @default - no wrapper (`OpenTelemetryMode.NONE`)
   */
  readonly execWrapper?: string;
  /** Whether CloudWatch Application Signals is enabled for the function. */
  readonly applicationSignals: boolean;
  /**
   * The OpenTelemetry sampling ratio for traces the function starts itself.
   * @default - the layer's own sampler
   */
  readonly samplingRatio?: number;
  /**
   * The OTLP endpoint spans are exported to.
   * @default - X-Ray
   */
  readonly otlpEndpoint?: string;
}

/**
 * What the tracing registry knows about a traced queue.
 */
export interface TracedQueueRecord {
  /** The construct that owns the queue. */
  readonly owner: IConstruct;
  /** The queue messages are sent to. */
  readonly queue: sqs.IQueue;
  /** The queue messages go to after `maxReceiveCount` failed receives. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * What the tracing registry knows about a traced event bus.
 */
export interface TracedEventBusRecord {
  /** The construct that owns the bus. */
  readonly owner: IConstruct;
  /** The bus. */
  readonly eventBus: events.IEventBus;
}

/**
 * What the tracing registry knows about a traced topic.
 */
export interface TracedTopicRecord {
  /** The construct that owns the topic. */
  readonly owner: IConstruct;
  /** The topic. */
  readonly topic: sns.ITopic;
}

/**
 * A subscription of a traced topic.
 */
export interface TracedTopicSubscription {
  /** The construct that owns the topic. */
  readonly topic: IConstruct;
  /** The subscription. */
  readonly subscription: sns.Subscription;
  /** The function or traced queue subscribed. */
  readonly target: IConstruct;
  /** Where undeliverable messages go. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * An EventBridge rule from a traced bus to a consumer.
 */
export interface TracedEventRoute {
  /** The construct that owns the bus. */
  readonly bus: IConstruct;
  /** The rule. */
  readonly rule: events.IRule;
  /** The function or traced queue the rule delivers to. */
  readonly target: IConstruct;
  /** Where the rule's undeliverable events go. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * What the tracing registry knows about an X-Ray group.
 */
export interface TracingGroupRecord {
  /** The construct that owns the group. */
  readonly owner: IConstruct;
  /** The group's name (the `GroupName` dimension of its `ApproximateTraceCount` metric). */
  readonly groupName: string;
  /** The group's filter expression. */
  readonly filterExpression: string;
  /** Whether the library created the group as a default faults group. */
  readonly defaultFaultsGroup: boolean;
}

/**
 * What the tracing registry knows about an X-Ray sampling rule.
 */
export interface TracingSamplingRuleRecord {
  /** The construct that owns the rule. */
  readonly owner: IConstruct;
  /** The rule's name. */
  readonly ruleName: string;
  /** The rule's priority: lower is evaluated first. */
  readonly priority: number;
}

/**
 * What the tracing registry knows about a stack's Transaction Search setting.
 */
export interface TransactionSearchRecord {
  /** The construct that enables Transaction Search. */
  readonly owner: IConstruct;
}

/**
 * What the tracing registry knows about an alarm created for traced resources.
 */
export interface TracingAlarmRecord {
  /** The construct that created the alarm (a `TracingAlarms`). */
  readonly owner: IConstruct;
  /** The alarm. */
  readonly alarm: cloudwatch.IAlarm;
  /** The alarm's name, as given to CloudWatch. */
  readonly alarmName: string;
  /** The service the alarm belongs to. */
  readonly serviceName: string;
  /** Whether it is the composite alarm of its service (what pages), rather than one of its inputs. */
  readonly composite: boolean;
}

/**
 * The role a function plays on a traced resource.
 */
export enum TracedConnectionRole {
  /** The function sends to the resource. */
  PRODUCER = 'PRODUCER',
  /** The function is invoked with what the resource delivers. */
  CONSUMER = 'CONSUMER',
}

/**
 * An edge of the traced service graph: a function producing to, or consuming from, a traced resource.
 */
export interface TracedConnection {
  /** The construct that owns the traced resource (a `TracedQueue`, for example). */
  readonly resource: IConstruct;
  /** The function on the other end. */
  readonly function: lambda.IFunction;
  /** Whether the function produces to or consumes from the resource. */
  readonly role: TracedConnectionRole;
}

/**
 * A REST API stage with X-Ray tracing.
 */
export interface TracedApiStageRecord {
  /** The construct the stage belongs to (an `apigateway.Stage`, or the `CfnStage` itself). */
  readonly owner: IConstruct;
  /** The REST API's name: with `stageName` it names the stage's X-Ray segments and its AWS/ApiGateway metrics. */
  readonly apiName: string;
  /** The stage's name. */
  readonly stageName: string;
}

/**
 * A Step Functions state machine with X-Ray tracing.
 */
export interface TracedStateMachineRecord {
  /** The construct the state machine belongs to (an `sfn.StateMachine`, or the `CfnStateMachine` itself). */
  readonly owner: IConstruct;
  /** The state machine's ARN: the dimension of its AWS/States metrics. */
  readonly stateMachineArn: string;
}
