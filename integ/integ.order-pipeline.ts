/**
 * Deploys the order pipeline, sends one order through `validate`, and checks in X-Ray that the
 * producer's trace exists, that the `charge` consumer's trace is the producer's trace or links to it, and
 * that `notify`, invoked by EventBridge with charge's PaymentCompleted, has its segment in charge's trace;
 * and that the Python `auditor`, fed by the order-events topic through the audit queue, has a trace that
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

// A stand-in for the third-party payment API, so `charge` succeeds and finishes its trace.
const paymentStub = new lambda.Function(stack, 'PaymentStub', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 201, body: JSON.stringify({ status: "captured" }) });'),
});
const paymentUrl = paymentStub.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
stack.charge.addEnvironment('PAYMENT_API_URL', paymentUrl.url);

// X-Ray finds a consumer trace only within a time window, which must be computed when the assertion
// runs, not frozen at synth: this probe searches the last 30 minutes for a `charge` trace that is the
// producer's trace or carries a link to it, and reports whether `notify` wrote its segment into it.
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

const consumerTrace = integ.assertions.invokeFunction({
  functionName: traceLinkProbe.functionName,
  payload: JSON.stringify({
    producerTraceId,
    consumerFunctionName: stack.charge.functionName,
    downstreamFunctionName: stack.notify.functionName,
  }),
}).expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({ found: true, downstreamInSameTrace: true })),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

const auditTrace = integ.assertions.invokeFunction({
  functionName: traceLinkProbe.functionName,
  payload: JSON.stringify({ producerTraceId, consumerFunctionName: stack.auditor.functionName }),
}).expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({ found: true })),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

accepted.next(producerTrace).next(consumerTrace).next(auditTrace);
