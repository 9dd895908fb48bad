import type { APIGatewayProxyEvent, EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { handler as charge } from '../examples/order-pipeline/handlers/charge';
import { handler as notify, PaymentCompleted } from '../examples/order-pipeline/handlers/notify';
import { handler as validate, parseOrder } from '../examples/order-pipeline/handlers/validate';

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

  test('charge reports exactly the orders the payment API refused', async () => {
    const calls: string[] = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      const body = JSON.parse(String(init?.body));
      calls.push(`${body.orderId}:${body.amountCents}`);
      return new Response('{}', { status: body.orderId === 'o-2' ? 402 : 201 });
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
    expect(calls).toEqual(['o-1:2500', 'o-2:2500', 'o-3:2500']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    // Only captured payments are announced, each with its trace context.
    expect(events.map((e) => [JSON.parse(e.Detail).orderId, e.EventBusName, e.DetailType, e.TraceHeader])).toEqual([
      ['o-1', 'payments', 'PaymentCompleted', TRACE_HEADER],
      ['o-3', 'payments', 'PaymentCompleted', TRACE_HEADER],
    ]);
    expect(JSON.parse(events[0].Detail)._trace).toEqual({ traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01' });
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
