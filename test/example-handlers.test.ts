import { createHmac } from 'crypto';
import type { APIGatewayProxyEvent, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { handler as charge, PaymentRequest } from '../examples/order-pipeline/handlers/charge';
import { handler as notify, PaymentCompleted } from '../examples/order-pipeline/handlers/notify';
import { handler as paymentWebhook, SIGNATURE_HEADER, verifySignature } from '../examples/order-pipeline/handlers/payment-webhook';
import { handler as validate, parseOrder } from '../examples/order-pipeline/handlers/validate';
import { createTraceToken, readTraceToken } from '../src/runtime';

const sent: any[] = [];
const published: any[] = [];
const events: any[] = [];
jest.mock('@aws-sdk/client-sqs', () => ({
  SQSClient: jest.fn().mockImplementation(() => ({ send: async (command: { input: unknown }) => { sent.push(command.input); return {}; } })),
  SendMessageCommand: jest.fn().mockImplementation((input: unknown) => ({ input })),
}));
jest.mock('@aws-sdk/client-sns', () => ({
  SNSClient: jest.fn().mockImplementation(() => ({ send: async (command: { input: unknown }) => { published.push(command.input); return {}; } })),
  PublishCommand: jest.fn().mockImplementation((input: unknown) => ({ input })),
}));
const SECRETS: Record<string, string> = { 'arn:token': 'trace-token-secret-0123456789', 'arn:webhook': 'webhook-secret-0123456789' };
jest.mock('@aws-sdk/client-secrets-manager', () => ({
  SecretsManagerClient: jest.fn().mockImplementation(() => ({
    send: async (command: { input: { SecretId: string } }) => ({ SecretString: SECRETS[command.input.SecretId] }),
  })),
  GetSecretValueCommand: jest.fn().mockImplementation((input: unknown) => ({ input })),
}));
jest.mock('@aws-sdk/client-eventbridge', () => ({
  EventBridgeClient: jest.fn().mockImplementation(() => ({
    send: async (command: { input: { Entries: unknown[] } }) => { events.push(...command.input.Entries); return { FailedEntryCount: 0 }; },
  })),
  PutEventsCommand: jest.fn().mockImplementation((input: unknown) => ({ input })),
}));

const ORDER = { orderId: 'o-1', customerId: 'c-1', items: [{ sku: 's', quantity: 2, unitPriceCents: 1250 }] };
const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1';

describe('example handlers', () => {
  const env = { ...process.env };
  beforeEach(() => {
    sent.length = 0;
    published.length = 0;
    events.length = 0;
    process.env.ORDER_EVENTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:order-events';
    process.env.PAYMENTS_EVENT_BUS_NAME = 'payments';
    process.env.ORDERS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
    process.env.PAYMENT_API_URL = 'https://payments.example.com/v1/charges';
    process.env.TRACE_TOKEN_SECRET_ARN = 'arn:token';
    process.env.PAYMENT_WEBHOOK_SECRET_ARN = 'arn:webhook';
    process.env._X_AMZN_TRACE_ID = TRACE_HEADER;
  });
  afterEach(() => { process.env = { ...env }; jest.restoreAllMocks(); });

  test('validate queues a valid order with its trace context and returns the trace id', async () => {
    const response = await validate({ body: JSON.stringify(ORDER) } as APIGatewayProxyEvent);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ orderId: 'o-1', totalCents: 2500, traceId: '1-5759e988-bd862e3fe1be46a994272793' });
    expect(sent).toEqual([expect.objectContaining({
      MessageBody: JSON.stringify(ORDER),
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: TRACE_HEADER } },
      MessageAttributes: { traceparent: { DataType: 'String', StringValue: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01' } },
    })]);
    expect(published).toEqual([{
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:order-events',
      Message: JSON.stringify({ type: 'OrderAccepted', orderId: 'o-1', totalCents: 2500 }),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'OrderAccepted' },
        traceparent: { DataType: 'String', StringValue: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01' },
      },
    }]);
  });

  test('validate rejects a bad order with reasons and queues nothing', async () => {
    const response = await validate({ body: '{"orderId":"","items":[{"sku":"s","quantity":0}]}' } as APIGatewayProxyEvent);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual([
      'orderId must be a non-empty string', 'customerId must be a non-empty string',
      'items[0].quantity must be a positive integer', 'items[0].unitPriceCents must be a non-negative integer',
    ]);
    expect(sent).toEqual([]);
    expect(parseOrder('not json', [])).toBeUndefined();
  });

  test('charge asks the payment API for each order with a signed trace token, and reports exactly the orders it refused', async () => {
    const requests: PaymentRequest[] = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      const body = JSON.parse(String(init?.body)) as PaymentRequest;
      requests.push(body);
      return new Response('{"status":"pending"}', { status: body.orderId === 'o-2' ? 402 : 202 });
    });
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const records = ['o-1', 'o-2', 'o-3'].map((orderId, i) => ({
      messageId: `m-${i}`,
      body: JSON.stringify({ ...ORDER, orderId }),
      attributes: { AWSTraceHeader: TRACE_HEADER },
      messageAttributes: {},
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders',
    }));
    const result = await charge({ Records: records } as unknown as SQSEvent);
    expect(requests.map((r) => `${r.orderId}:${r.amountCents}`)).toEqual(['o-1:2500', 'o-2:2500', 'o-3:2500']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    // Without a span here, the token carries the Lambda invocation's context, signed, with the order id.
    const token = readTraceToken(requests[0].metadata.traceToken, { secret: SECRETS['arn:token'] });
    expect(token).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', sampled: true, businessKey: 'o-1' });
    expect(readTraceToken(requests[0].metadata.traceToken, { secret: 'another secret' })).toBeUndefined();
    // The provider answers through the webhook: charge publishes nothing itself.
    expect(events).toEqual([]);
  });

  test('payment-webhook checks the provider signature, links to charge through the token and publishes PaymentCompleted', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const traceToken = createTraceToken(undefined, { secret: SECRETS['arn:token'], businessKey: 'o-1' });
    const body = JSON.stringify({ orderId: 'o-1', customerId: 'c-1', amountCents: 2500, status: 'captured', metadata: { traceToken } });
    const now = Math.floor(Date.now() / 1000);
    const sign = (text: string, secret = SECRETS['arn:webhook'], t = now) =>
      `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${text}`).digest('hex')}`;
    const call = (text: string, signature?: string) =>
      paymentWebhook({ body: text, headers: signature ? { [SIGNATURE_HEADER]: signature } : {} } as unknown as APIGatewayProxyEvent);

    const accepted = await call(body, sign(body));
    expect(accepted.statusCode).toBe(200);
    expect(JSON.parse(accepted.body)).toEqual({ received: 'o-1', linkedTo: '5759e988bd862e3fe1be46a994272793' });
    expect(events.map((e) => [JSON.parse(e.Detail).orderId, e.EventBusName, e.Source, e.DetailType])).toEqual([['o-1', 'payments', 'orders.payments', 'PaymentCompleted']]);

    // Refused before the body is read: no signature, a wrong secret, a tampered body, a replayed signature.
    events.length = 0;
    expect((await call(body)).statusCode).toBe(401);
    expect((await call(body, sign(body, 'not the shared secret'))).statusCode).toBe(401);
    expect((await call(body.replace('2500', '1'), sign(body))).statusCode).toBe(401);
    expect((await call(body, sign(body, SECRETS['arn:webhook'], now - 3600))).statusCode).toBe(401);
    expect(events).toEqual([]);

    // A forged token only means no link; a declined payment announces nothing.
    const declined = JSON.stringify({ orderId: 'o-2', customerId: 'c-1', amountCents: 1, status: 'declined', metadata: { traceToken: 'AQ-forged' } });
    const response = await call(declined, sign(declined));
    expect(JSON.parse(response.body)).toEqual({ received: 'o-2', linkedTo: null });
    expect(events).toEqual([]);
    expect(verifySignature('x', 't=1,v1=zz', 's', 1)).toBe(false);
  });

  test('notify reads the producer context from detail._trace', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const event = {
      'detail-type': 'PaymentCompleted',
      'detail': { orderId: 'o-1', customerId: 'c-1', amountCents: 2500, _trace: { traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01' } },
    } as unknown as EventBridgeEvent<'PaymentCompleted', PaymentCompleted>;
    expect(await notify(event)).toEqual({ notified: 'c-1' });
    expect(JSON.parse(String(log.mock.calls[0][0]))).toMatchObject({ orderId: 'o-1', producerTraceId: '5759e988bd862e3fe1be46a994272793', producerSpanId: '53995c3f42cd8ad8' });
  });
});
