import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Order } from './validate';
// In an application: import { injectEventBridgeEntry, processSqsBatch } from 'cdk-serverless-tracing/runtime';
import { injectEventBridgeEntry, processSqsBatch } from '../../../src/runtime';

const events = new EventBridgeClient({});

/**
 * Charges each queued order through the third-party payment API, one span per message linked to the
 * validate span that queued it, then publishes PaymentCompleted with its trace context. A failed charge is
 * reported as a batch item failure, so only that message is retried (and moves to the dead-letter queue
 * after the queue's maxReceiveCount).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const paymentUrl = process.env.PAYMENT_API_URL;
  if (!paymentUrl) throw new Error('PAYMENT_API_URL is not set');
  return processSqsBatch(event, async (record) => {
    try {
      await charge(paymentUrl, record);
    } catch (error) {
      console.error(JSON.stringify({ message: 'charge failed', messageId: record.messageId, error: String(error) }));
      throw error;
    }
  });
}

async function charge(paymentUrl: string, record: SQSRecord): Promise<void> {
  const order = JSON.parse(record.body) as Order;
  const amountCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  const response = await fetch(paymentUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': order.orderId },
    body: JSON.stringify({ orderId: order.orderId, customerId: order.customerId, amountCents }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`payment API answered ${response.status}`);
  // TraceHeader for X-Ray plus detail._trace for W3C consumers: the bus passes both on to notify.
  const result = await events.send(new PutEventsCommand({
    Entries: [injectEventBridgeEntry({
      EventBusName: process.env.PAYMENTS_EVENT_BUS_NAME,
      Source: 'orders.charge',
      DetailType: 'PaymentCompleted',
      Detail: JSON.stringify({ orderId: order.orderId, customerId: order.customerId, amountCents }),
    })],
  }));
  if (result.FailedEntryCount) throw new Error(`PaymentCompleted was not published: ${JSON.stringify(result.Entries)}`);
}
