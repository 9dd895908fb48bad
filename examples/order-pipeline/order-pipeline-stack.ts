import * as path from 'path';
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { pythonHandlerCode } from './python-handler-code';
import {
  SamplingStrategy, SloObjective, TracedEventBus, TracedFunction, TracedNodejsFunction, TracedQueue, TracedTopic, TracingAlarms,
  TracingDashboard, TracingFilter, TracingGroup, TracingSamplingRule, TracingSlo,
} from '../../src';

export interface OrderPipelineStackProps extends StackProps {
  /** The third-party payment endpoint `charge` posts to. */
  readonly paymentApiUrl: string;
}

/**
 * The seeds' order flow: REST API (stage tracing on) -> validate -> orders queue -> charge -> third-party
 * payment API, which acknowledges and answers later through POST /payments/webhook -> payment-webhook
 * (linked to charge's trace by a signed trace token) -> PaymentCompleted on the payments bus -> notify;
 * validate also fans OrderAccepted out through the
 * order-events topic to an audit queue, which the Python auditor consumes (so both distro layers, Node.js
 * and Python, are in the trace).
 */
export class OrderPipelineStack extends Stack {
  public readonly api: apigateway.RestApi;
  public readonly validate: TracedNodejsFunction;
  public readonly charge: TracedNodejsFunction;
  public readonly orders: TracedQueue;
  public readonly notify: TracedNodejsFunction;
  public readonly paymentWebhook: TracedNodejsFunction;
  /** Shared with the payment provider, which signs its webhook calls with it. */
  public readonly paymentWebhookSecret: secretsmanager.Secret;
  /** Signs the trace tokens charge hands the payment provider; only charge and payment-webhook read it. */
  public readonly traceTokenSecret: secretsmanager.Secret;
  public readonly payments: TracedEventBus;
  public readonly orderEvents: TracedTopic;
  public readonly audit: TracedQueue;
  public readonly auditor: TracedFunction;

  constructor(scope: Construct, id: string, props: OrderPipelineStackProps) {
    super(scope, id, props);

    const functionDefaults = {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
    };
    this.validate = new TracedNodejsFunction(this, 'Validate', {
      ...functionDefaults,
      entry: path.join(__dirname, 'handlers', 'validate.ts'),
      timeout: Duration.seconds(10),
      logGroup: this.logGroup('ValidateLogs'),
    });
    this.traceTokenSecret = new secretsmanager.Secret(this, 'TraceTokenSecret', {
      description: 'Signs the trace tokens charge hands the payment provider (HMAC-SHA256)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.paymentWebhookSecret = new secretsmanager.Secret(this, 'PaymentWebhookSecret', {
      description: 'Shared with the payment provider, which signs its webhook calls with it',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.charge = new TracedNodejsFunction(this, 'Charge', {
      ...functionDefaults,
      entry: path.join(__dirname, 'handlers', 'charge.ts'),
      timeout: Duration.seconds(30),
      logGroup: this.logGroup('ChargeLogs'),
      environment: { PAYMENT_API_URL: props.paymentApiUrl, TRACE_TOKEN_SECRET_ARN: this.traceTokenSecret.secretArn },
    });
    this.traceTokenSecret.grantRead(this.charge);

    this.orders = new TracedQueue(this, 'Orders');
    this.orders.addProducer(this.validate);
    this.orders.addConsumer(this.charge, { batchSize: 10, maxBatchingWindow: Duration.seconds(5), maxConcurrency: 5 });

    // EventBridge invokes notify asynchronously: its failed invocations go to a queue of their own.
    const notifyFailures = new sqs.Queue(this, 'NotifyFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.notify = new TracedNodejsFunction(this, 'Notify', {
      ...functionDefaults,
      entry: path.join(__dirname, 'handlers', 'notify.ts'),
      timeout: Duration.seconds(10),
      logGroup: this.logGroup('NotifyLogs'),
      deadLetterQueue: notifyFailures,
      onFailure: new SqsDestination(notifyFailures),
      retryAttempts: 2,
    });
    this.paymentWebhook = new TracedNodejsFunction(this, 'PaymentWebhook', {
      ...functionDefaults,
      entry: path.join(__dirname, 'handlers', 'payment-webhook.ts'),
      timeout: Duration.seconds(10),
      logGroup: this.logGroup('PaymentWebhookLogs'),
      environment: { TRACE_TOKEN_SECRET_ARN: this.traceTokenSecret.secretArn, PAYMENT_WEBHOOK_SECRET_ARN: this.paymentWebhookSecret.secretArn },
    });
    this.traceTokenSecret.grantRead(this.paymentWebhook);
    this.paymentWebhookSecret.grantRead(this.paymentWebhook);
    this.payments = new TracedEventBus(this, 'Payments', { archive: { retention: Duration.days(7) } });
    this.payments.addProducer(this.paymentWebhook);
    this.payments.addConsumer('NotifyOnPayment', this.notify, {
      eventPattern: { source: ['orders.payments'], detailType: ['PaymentCompleted'] },
    });

    this.audit = new TracedQueue(this, 'Audit', { retentionPeriod: Duration.days(14) });
    this.orderEvents = new TracedTopic(this, 'OrderEvents');
    this.orderEvents.addProducer(this.validate);
    this.orderEvents.addSubscriber(this.audit);
    this.auditor = new TracedFunction(this, 'Auditor', {
      runtime: lambda.Runtime.PYTHON_3_14,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      handler: 'audit.handler',
      code: pythonHandlerCode(path.join(__dirname, 'handlers', 'audit.py')),
      timeout: Duration.seconds(30),
      logGroup: this.logGroup('AuditorLogs'),
    });
    this.audit.addConsumer(this.auditor, { batchSize: 10, maxBatchingWindow: Duration.seconds(5) });

    this.api = new apigateway.RestApi(this, 'OrdersApi', {
      description: 'Accepts orders for the traced order pipeline',
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.INFO,
        metricsEnabled: true,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.logGroup('ApiAccessLogs')),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });
    const orderModel = this.api.addModel('Order', {
      contentType: 'application/json',
      schema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['orderId', 'customerId', 'items'],
        properties: {
          orderId: { type: apigateway.JsonSchemaType.STRING, minLength: 1 },
          customerId: { type: apigateway.JsonSchemaType.STRING, minLength: 1 },
          items: { type: apigateway.JsonSchemaType.ARRAY, minItems: 1 },
        },
      },
    });
    this.api.root.addResource('orders').addMethod('POST', new apigateway.LambdaIntegration(this.validate), {
      requestValidatorOptions: { validateRequestBody: true, validateRequestParameters: true },
      requestModels: { 'application/json': orderModel },
    });

    // The payment provider cannot sign with SigV4: the webhook route is open, and the function checks the
    // provider's HMAC signature with the shared secret before it reads the body.
    this.api.root.addResource('payments').addResource('webhook').addMethod('POST', new apigateway.LambdaIntegration(this.paymentWebhook), {
      authorizationType: apigateway.AuthorizationType.NONE,
    });
    // Charge and payment-webhook annotate paymentPath: one group shows the whole payment path, both traces.
    new TracingGroup(this, 'PaymentPathGroup', { groupName: 'order-pipeline-payments', filter: TracingFilter.annotation('paymentPath', true) });

    // X-Ray rules apply at the traced API stage, which makes the sampling decision for the whole request.
    new TracingSamplingRule(this, 'ApiSampling', {
      priority: 100,
      fixedRate: 0.05,
      reservoirSize: 1,
      serviceType: 'AWS::ApiGateway::Stage',
      serviceName: `${this.api.restApiName}/${this.api.deploymentStage.stageName}`,
    });
    // The payment path: POST /orders starts every charge. Rules act at the API stage only (charge runs behind
    // the orders queue, where Lambda samples SQS-triggered invocations itself), so the path is sampled in full
    // there, ahead of the general 5 % rule.
    SamplingStrategy.criticalPath(this, 'PaymentsSampling', {
      priority: 10,
      urlPath: '/orders',
      httpMethod: 'POST',
      percent: 100,
      serviceName: `${this.api.restApiName}/${this.api.deploymentStage.stageName}`,
    });

    this.acknowledgeExampleFindings(notifyFailures);
  }

  private logGroup(id: string): logs.LogGroup {
    return new logs.LogGroup(this, id, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  }

  /** Findings that are this application's choices, not the library's. */
  private acknowledgeExampleFindings(notifyFailures: sqs.Queue): void {
    // The on-call view: one dashboard and the production alarms of everything traced above, a page per
    // service through an encrypted topic, and SLOs on the order path (availability of validate, latency
    // of charge, which waits on the payment API).
    new TracingDashboard(this, 'Dashboard');
    const alarms = new TracingAlarms(this, 'Alarms', { createTopic: true });
    const page = [new cloudwatchActions.SnsAction(alarms.topic!)];
    new TracingSlo(this, 'ValidateAvailability', { function: this.validate, objective: SloObjective.AVAILABILITY, goal: 99.9, alarmActions: page });
    new TracingSlo(this, 'PaymentLatency', {
      function: this.charge, objective: SloObjective.LATENCY, goal: 99, latencyThreshold: Duration.seconds(5), alarmActions: page,
    });

    NagSuppressions.addResourceSuppressions(notifyFailures, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue and on-failure destination of notify; it is the last stop.' },
      { id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is the dead-letter queue and on-failure destination of notify; it is the last stop.' },
    ]);
    for (const fn of [this.validate, this.charge, this.notify, this.auditor, this.paymentWebhook]) {
      NagSuppressions.addResourceSuppressions(fn.role!, [{
        id: 'AwsSolutions-IAM4',
        reason: 'AWSLambdaBasicExecutionRole only grants the function writes to its own CloudWatch log streams.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      }]);
    }
    NagSuppressions.addResourceSuppressions(this.validate, [
      { id: 'Serverless-LambdaDLQ', reason: 'validate is invoked synchronously by API Gateway: a failure is returned to the caller, there is no event to dead-letter.' },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: 'validate is invoked synchronously by API Gateway; it has no asynchronous invocations to route.' },
    ]);
    NagSuppressions.addResourceSuppressions(this.paymentWebhook, [
      { id: 'Serverless-LambdaDLQ', reason: 'payment-webhook is invoked synchronously by API Gateway: the provider retries a failed call, there is no event to dead-letter.' },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: 'payment-webhook is invoked synchronously by API Gateway; it has no asynchronous invocations to route.' },
    ]);
    for (const secret of [this.traceTokenSecret, this.paymentWebhookSecret]) {
      NagSuppressions.addResourceSuppressions(secret, [{
        id: 'AwsSolutions-SMG4',
        reason: 'Rotated with the payment provider (the webhook secret is set in its dashboard) during its signature grace period, not by a rotation Lambda.',
      }]);
    }
    NagSuppressions.addResourceSuppressionsByPath(this, `${this.api.node.path}/Default/payments/webhook/POST/Resource`, [
      { id: 'AwsSolutions-APIG4', reason: 'Payment providers cannot sign with SigV4 or Cognito: payment-webhook verifies the provider\'s HMAC-SHA256 signature with the shared secret before reading the body.' },
      { id: 'AwsSolutions-COG4', reason: 'Payment providers cannot sign with SigV4 or Cognito: payment-webhook verifies the provider\'s HMAC-SHA256 signature with the shared secret before reading the body.' },
    ]);
    NagSuppressions.addResourceSuppressions(this.charge, [
      { id: 'Serverless-LambdaDLQ', reason: 'charge is invoked by an SQS event source: failed messages go to the orders dead-letter queue, not a function DLQ.' },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: 'charge is invoked by an SQS event source mapping, never asynchronously.' },
    ]);
    NagSuppressions.addResourceSuppressions(this.auditor, [
      { id: 'Serverless-LambdaDLQ', reason: 'auditor is invoked by an SQS event source: failed messages go to the audit dead-letter queue, not a function DLQ.' },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: 'auditor is invoked by an SQS event source mapping, never asynchronously.' },
    ]);
    NagSuppressions.addResourceSuppressions(this.api, [
      { id: 'AwsSolutions-APIG3', reason: 'The example leaves WAF to the deploying organization: attach its web ACL to the stage.' },
      { id: 'AwsSolutions-COG4', reason: 'The API uses IAM (SigV4) authorization: its callers are AWS principals, not Cognito users.' },
      {
        id: 'AwsSolutions-IAM4',
        reason: 'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the API Gateway account logging role.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
      },
    ], true);
  }
}
