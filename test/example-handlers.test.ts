import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import { handler as charge } from '../examples/order-pipeline/handlers/charge';
import { handler as validate, parseOrder } from '../examples/order-pipeline/handlers/validate';

const sent: any[] = [];
jest.mock('@aws-sdk/client-sqs', () => ({
  SQSClient: jest.fn().mockImplementation(() => ({ send: async (command: { input: unknown }) => { sent.push(command.input); return {}; } })),
  SendMessageCommand: jest.fn().mockImplementation((input: unknown) => ({ input })),
}));

const ORDER = { orderId: 'o-1', customerId: 'c-1', items: [{ sku: 's', quantity: 2, unitPriceCents: 1250 }] };
const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1';

describe('example handlers', () => {
  const env = { ...process.env };
  beforeEach(() => {
    sent.length = 0;
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
  });
});
