/**
 * Deploys the order pipeline, sends one order through `validate`, and checks in X-Ray that the
 * producer's trace exists; that the `charge` consumer's trace is the producer's trace or links to it; that
 * `payment-webhook`, called back by the (stubbed) payment provider with charge's trace token, has a trace
 * linked to charge's and that `notify`, invoked by EventBridge with the webhook's PaymentCompleted, has its
 * segment in the webhook's trace; and that the Python `auditor`, fed by the order-events topic through the audit queue, has a trace that
 * is validate's trace or links to it (the Node.js and Python distro layers in one request).
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OrderPipelineStack } from '../examples/order-pipeline/order-pipeline-stack';

const app = new App();
const stack = new OrderPipelineStack(app, 'OrderPipelineInteg', { paymentApiUrl: 'https://payments.invalid/' });

// A stand-in for the third-party payment API: it captures the payment and calls the webhook back the way a
// provider does, signing "<timestamp>.<body>" with the shared secret and returning charge's metadata (the
// trace token) as it was; then it acknowledges charge's request.
const paymentStub = new lambda.Function(stack, 'PaymentStub', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  timeout: Duration.seconds(20),
  environment: { PAYMENT_WEBHOOK_URL: stack.api.urlForPath('/payments/webhook'), PAYMENT_WEBHOOK_SECRET_ARN: stack.paymentWebhookSecret.secretArn },
  code: lambda.Code.fromInline(`
const { createHmac } = require('crypto');
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const secrets = new SecretsManagerClient({});
exports.handler = async (event) => {
  const request = JSON.parse(event.body);
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.PAYMENT_WEBHOOK_SECRET_ARN }));
  const body = JSON.stringify({ orderId: request.orderId, customerId: request.customerId, amountCents: request.amountCents, status: 'captured', metadata: request.metadata });
  const t = Math.floor(Date.now() / 1000);
  const signature = 't=' + t + ',v1=' + createHmac('sha256', SecretString).update(t + '.' + body).digest('hex');
  const answer = await fetch(process.env.PAYMENT_WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', 'x-payment-signature': signature }, body });
  if (!answer.ok) throw new Error('webhook answered ' + answer.status);
  return { statusCode: 202, body: JSON.stringify({ status: 'pending' }) };
};`),
});
stack.paymentWebhookSecret.grantRead(paymentStub);
const paymentUrl = paymentStub.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
stack.charge.addEnvironment('PAYMENT_API_URL', paymentUrl.url);

// X-Ray finds a consumer trace only within a time window, which must be computed when the assertion
// runs, not frozen at synth: this probe searches the last 30 minutes for a trace of a consumer function
// that is the producer's trace or carries a link to it, and reports whether a downstream function wrote its
// segment into it.
const traceLinkProbe = new lambda.Function(stack, 'TraceLinkProbe', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  timeout: Duration.seconds(60),
  code: lambda.Code.fromInline(`
const { XRayClient, GetTraceSummariesCommand, BatchGetTracesCommand } = require('@aws-sdk/client-xray');
const xray = new XRayClient({});
exports.handler = async ({ producerTraceId, consumerFunctionName, downstreamFunctionName }) => {
  const EndTime = new Date();
  const StartTime = new Date(EndTime.getTime() - 30 * 60 * 1000);
  const ids = [];
  let NextToken;
  do {
    const page = await xray.send(new GetTraceSummariesCommand({ StartTime, EndTime, NextToken, FilterExpression: 'service("' + consumerFunctionName + '")' }));
    ids.push(...(page.TraceSummaries || []).map((s) => s.Id));
    NextToken = page.NextToken;
  } while (NextToken && ids.length < 200);
  for (let i = 0; i < ids.length; i += 5) {
    const { Traces = [] } = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.slice(i, i + 5) }));
    for (const trace of Traces) {
      const linked = trace.Id === producerTraceId || (trace.Segments || []).some((s) => s.Document.includes(producerTraceId));
      if (linked) {
        const downstreamInSameTrace = (trace.Segments || []).some((s) => JSON.parse(s.Document).name === downstreamFunctionName);
        return { found: true, consumerTraceId: trace.Id, sameTrace: trace.Id === producerTraceId, downstreamInSameTrace };
      }
    }
  }
  return { found: false, consumerTracesSeen: ids.length };
};`),
});
traceLinkProbe.addToRolePolicy(new iam.PolicyStatement({
  actions: ['xray:GetTraceSummaries', 'xray:BatchGetTraces'],
  resources: ['*'],
}));

const integ = new IntegTest(app, 'OrderPipelineTrace', {
  testCases: [stack],
  regions: ['us-east-1'],
  diffAssets: false,
});

const order = { orderId: 'integ-order-1', customerId: 'integ-customer', items: [{ sku: 'sku-1', quantity: 2, unitPriceCents: 1250 }] };
const accepted = integ.assertions.invokeFunction({
  functionName: stack.validate.functionName,
  payload: JSON.stringify({ httpMethod: 'POST', path: '/orders', body: JSON.stringify(order) }),
});
accepted.assertAtPath('Payload.statusCode', ExpectedResult.exact(202));
const producerTraceId = accepted.getAttString('Payload.body.traceId');

const producerTrace = integ.assertions.awsApiCall('XRay', 'batchGetTraces', { TraceIds: [producerTraceId] })
  .expect(ExpectedResult.objectLike({
    Traces: Match.arrayWith([Match.objectLike({
      Id: producerTraceId,
      Segments: Match.arrayWith([Match.objectLike({ Document: Match.stringLikeRegexp('AWS::Lambda::Function') })]),
    })]),
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

const chargeTrace = integ.assertions.invokeFunction({
  functionName: traceLinkProbe.functionName,
  payload: JSON.stringify({ producerTraceId, consumerFunctionName: stack.charge.functionName }),
}).expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({ found: true })),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

// The webhook's trace links to charge's (through the trace token), and notify continues the webhook's.
const webhookTrace = integ.assertions.invokeFunction({
  functionName: traceLinkProbe.functionName,
  payload: JSON.stringify({
    producerTraceId: chargeTrace.getAttString('Payload.consumerTraceId'),
    consumerFunctionName: stack.paymentWebhook.functionName,
    downstreamFunctionName: stack.notify.functionName,
  }),
}).expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({ found: true, sameTrace: false, downstreamInSameTrace: true })),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

const auditTrace = integ.assertions.invokeFunction({
  functionName: traceLinkProbe.functionName,
  payload: JSON.stringify({ producerTraceId, consumerFunctionName: stack.auditor.functionName }),
}).expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({ found: true })),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

accepted.next(producerTrace).next(chargeTrace).next(webhookTrace).next(auditTrace);
