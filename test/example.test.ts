import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { snapshotOf } from './helpers';
import { nagFindings } from './nag-helpers';
import { exampleStack } from './stacks';
import { pythonHandlerCode } from '../examples/order-pipeline/python-handler-code';
import { TracingRegistry, TracingReport } from '../src';

describe('order-pipeline example', () => {
  const stack = exampleStack(new App());
  const template = Template.fromStack(stack);

  test('matches the snapshot', () => {
    expect(snapshotOf(template)).toMatchSnapshot();
  });

  test('the API stage is traced', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });

  test('validate produces to the orders queue and charge consumes it', () => {
    const registry = TracingRegistry.of(stack);
    expect(registry.functions.map((f) => f.serviceName)).toEqual([
      'order-pipeline-validate', 'order-pipeline-charge', 'order-pipeline-notify', 'order-pipeline-payment-webhook', 'order-pipeline-auditor',
    ]);
    expect(registry.connections.map((c) => [c.resource.node.id, c.function.node.id, c.role])).toEqual([
      ['Orders', 'Validate', 'PRODUCER'], ['Orders', 'Charge', 'CONSUMER'],
      ['Payments', 'PaymentWebhook', 'PRODUCER'], ['Payments', 'Notify', 'CONSUMER'],
      ['OrderEvents', 'Validate', 'PRODUCER'], ['Audit', 'Auditor', 'CONSUMER'],
    ]);
    expect(registry.topicSubscriptions.map((s) => s.target.node.id)).toEqual(['Audit']);
    expect(registry.samplingRules.map((r) => r.priority)).toEqual([100, 10]);
    // X-Ray names an API Gateway stage's segments <api name>/<stage>.
    const stageService = { 'Fn::Join': ['', ['OrdersApi/', { Ref: Match.stringLikeRegexp('^OrdersApiDeploymentStage') }]] };
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ Priority: 10, FixedRate: 1, URLPath: '/orders', HTTPMethod: 'POST', ServiceName: stageService }),
    });
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ Priority: 100, FixedRate: 0.05, ReservoirSize: 1, ServiceType: 'AWS::ApiGateway::Stage', ServiceName: stageService }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 185 });
  });

  test('the payment provider answers through an open webhook route, whose function holds the shared secret and produces to the bus', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST', AuthorizationType: 'NONE', ResourceId: { Ref: Match.stringLikeRegexp('^OrdersApipaymentswebhook') },
    });
    // Everything else on the API still needs SigV4.
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'AWS_IAM', ResourceId: { Ref: Match.stringLikeRegexp('^OrdersApiorders') } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PAYMENT_WEBHOOK_SECRET_ARN: { Ref: Match.stringLikeRegexp('^PaymentWebhookSecret') }, PAYMENTS_EVENT_BUS_NAME: Match.anyValue() }) },
    });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'source': ['orders.payments'], 'detail-type': ['PaymentCompleted'] } });
    template.hasResourceProperties('AWS::XRay::Group', { GroupName: 'order-pipeline-payments', FilterExpression: 'annotation.paymentPath = true' });
    // Only charge and payment-webhook can read the token secret; only payment-webhook the provider's.
    const readers = (secret: string) => Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secret}`))
      .map((p) => p.Properties.Roles[0].Ref.replace(/ServiceRole.*/, ''));
    expect(readers('TraceTokenSecret').sort()).toEqual(['Charge', 'PaymentWebhook']);
    expect(readers('PaymentWebhookSecret')).toEqual(['PaymentWebhook']);
  });

  test('charge knows the payment API', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PAYMENT_API_URL: 'https://payments.example.com/v1/charges', OTEL_SERVICE_NAME: 'order-pipeline-charge' }) },
    });
  });

  test('the audit queue is consumed by a Python function under the Python distro layer, with the runtime module vendored', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.14',
      Handler: 'audit.handler',
      TracingConfig: { Mode: 'Active' },
      Layers: [{ 'Fn::FindInMap': ['AwsOpenTelemetryDistroLayerArns', { Ref: 'AWS::Region' }, 'PYTHON'] }],
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument', OTEL_SERVICE_NAME: 'order-pipeline-auditor' }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // The staged asset directory is named after the hash the template's S3 key carries.
    const key = stack.resolve((stack.auditor.node.defaultChild as lambda.CfnFunction).code) as { s3Key: string };
    const asset = path.join((stack.node.root as App).synth().directory, `asset.${key.s3Key.replace(/\.zip$/, '')}`);
    const files = fs.readdirSync(asset, { recursive: true }).map(String).sort();
    expect(files).toEqual(expect.arrayContaining(['audit.py', 'cdk_serverless_tracing_runtime', path.join('cdk_serverless_tracing_runtime', '__init__.py'), path.join('cdk_serverless_tracing_runtime', 'batch.py')]));
    expect(files.filter((f) => f.endsWith('.ts') || f.includes('__pycache__'))).toEqual([]);
  });

  test('a Python handler asset refuses a handler file that does not exist, before any bundling', () => {
    expect(() => pythonHandlerCode('/nonexistent/audit.py')).toThrow("pythonHandlerCode: handler file '/nonexistent/audit.py' does not exist");
  });

  test('the report lists the functions with their layer and wrapper, and the queue with its DLQ and consumers', () => {
    const report = TracingReport.render(stack);
    expect(report).toContain('Stack OrderPipeline (region: resolved at deploy time)');
    expect(report).toContain('Functions traced: 5');
    expect(report).toMatch(/Payments\n\s+producers: PaymentWebhook\n\s+rule Payments\/NotifyOnPayment -> Notify/);
    expect(report).toMatch(/OrderEvents\n\s+producers: Validate\n\s+subscriber Audit \(dead-letter queue: Audit\/DeadLetterQueue\)/);
    expect(report).toMatch(/Validate\n\s+service: order-pipeline-validate, X-Ray: Active, OpenTelemetry: AWS_DISTRO, Application Signals: on\n\s+layer: AWSOpenTelemetryDistroJs, chosen per Region at deploy time \(CfnMapping AwsOpenTelemetryDistroLayerArns\)\n\s+wrapper: \/opt\/otel-instrument/);
    expect(report).toMatch(/Auditor\n.*\n\s+layer: AWSOpenTelemetryDistroPython, chosen per Region at deploy time/);
    // The audit queue is fed by the order-events topic, not by a function.
    expect(report).toMatch(/Audit\n\s+dead-letter queue: Audit\/DeadLetterQueue\n\s+producers: topic OrderEvents\n\s+consumers: Auditor/);
    expect(report).toMatch(/X-Ray sampling rules: .+ \(priority 10\), .+ \(priority 100\)/);
    expect(report).toMatch(/Orders\n\s+dead-letter queue: Orders\/DeadLetterQueue\n\s+producers: Validate\n\s+consumers: Charge/);
    expect(report).toContain('X-Ray groups: OrderPipeline-faults (default faults group)');
    expect(report).toMatch(/Alarms: \d+, under 6 composite alarm\(s\): order-pipeline-validate-health, order-pipeline-charge-health, order-pipeline-notify-health, order-pipeline-payment-webhook-health, order-pipeline-auditor-health, order-pipeline-health/);
  });

  test('has no unacknowledged cdk-nag findings (AwsSolutions and Serverless)', () => {
    expect(nagFindings(exampleStack(new App()))).toEqual([]);
  });
});
