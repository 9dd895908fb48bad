import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
// In an application: import { injectSnsMessage, injectSqsMessage } from 'cdk-serverless-tracing/runtime';
import { injectSnsMessage, injectSqsMessage } from '../../../src/runtime';

/** An order as the API accepts it. */
export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly unitPriceCents: number }>;
}

const sqs = new SQSClient({});
const sns = new SNSClient({});

/**
 * POST /orders: validates the order and queues it for charging. Returns the X-Ray trace id so a caller
 * (and the integration test) can find the request's trace.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const traceId = currentTraceId();
  const problems: string[] = [];
  const order = parseOrder(event.body, problems);
  if (!order) {
    return respond(400, { message: 'invalid order', problems, traceId });
  }
  // AWSTraceHeader (with Lineage) plus W3C traceparent/tracestate, so charge can link to this span.
  await sqs.send(new SendMessageCommand(injectSqsMessage({
    QueueUrl: requiredEnv('ORDERS_QUEUE_URL'),
    MessageBody: JSON.stringify(order),
  })));
  const totalCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  // Fan-out of order events (the audit queue subscribes with raw delivery, so W3C attributes arrive as-is).
  await sns.send(new PublishCommand(injectSnsMessage({
    TopicArn: requiredEnv('ORDER_EVENTS_TOPIC_ARN'),
    Message: JSON.stringify({ type: 'OrderAccepted', orderId: order.orderId, totalCents }),
    MessageAttributes: { type: { DataType: 'String', StringValue: 'OrderAccepted' } },
  })));
  return respond(202, { orderId: order.orderId, totalCents, traceId });
}

/** Returns the order, or undefined with the reasons appended to `problems`. */
export function parseOrder(body: string | null, problems: string[]): Order | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    problems.push('body is not JSON');
    return undefined;
  }
  const candidate = value as Partial<Order>;
  if (typeof candidate?.orderId !== 'string' || candidate.orderId.length === 0) problems.push('orderId must be a non-empty string');
  if (typeof candidate?.customerId !== 'string' || candidate.customerId.length === 0) problems.push('customerId must be a non-empty string');
  if (!Array.isArray(candidate?.items) || candidate.items.length === 0) {
    problems.push('items must be a non-empty array');
  } else {
    candidate.items.forEach((item, i) => {
      if (typeof item?.sku !== 'string' || item.sku.length === 0) problems.push(`items[${i}].sku must be a non-empty string`);
      if (!Number.isInteger(item?.quantity) || item.quantity < 1) problems.push(`items[${i}].quantity must be a positive integer`);
      if (!Number.isInteger(item?.unitPriceCents) || item.unitPriceCents < 0) problems.push(`items[${i}].unitPriceCents must be a non-negative integer`);
    });
  }
  return problems.length === 0 ? (candidate as Order) : undefined;
}

function currentTraceId(): string | undefined {
  return /(?:^|;)\s*Root=([^;]+)/.exec(process.env._X_AMZN_TRACE_ID ?? '')?.[1];
}

function respond(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
