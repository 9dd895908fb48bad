import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { secretFromEnvironment } from './secrets';
import type { Order } from './validate';
// In an application: import { annotate, createTraceToken, processSqsBatch } from 'cdk-serverless-tracing/runtime';
import { annotate, createTraceToken, processSqsBatch } from '../../../src/runtime';

/** What charge sends the payment provider; the provider returns `metadata` in its webhook call. */
export interface PaymentRequest {
  readonly orderId: string;
  readonly customerId: string;
  readonly amountCents: number;
  readonly metadata: { readonly traceToken?: string };
}

/**
 * Asks the third-party payment API to charge each queued order, one span per message linked to the
 * validate span that queued it. The provider only acknowledges (2xx) and answers later through the
 * payment-webhook: the request carries a signed trace token with the order id, so the webhook's trace links
 * back to this span, and both are annotated with `orderId`. A refused request is reported as a batch item
 * failure, so only that message is retried (and moves to the dead-letter queue after maxReceiveCount).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const paymentUrl = process.env.PAYMENT_API_URL;
  if (!paymentUrl) throw new Error('PAYMENT_API_URL is not set');
  const tokenSecret = await secretFromEnvironment('TRACE_TOKEN_SECRET_ARN');
  return processSqsBatch(event, async (record) => {
    try {
      await charge(paymentUrl, tokenSecret, record);
    } catch (error) {
      console.error(JSON.stringify({ message: 'charge failed', messageId: record.messageId, error: String(error) }));
      throw error;
    }
  });
}

async function charge(paymentUrl: string, tokenSecret: string, record: SQSRecord): Promise<void> {
  const order = JSON.parse(record.body) as Order;
  const amountCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  annotate({ orderId: order.orderId, paymentPath: true });
  const request: PaymentRequest = {
    orderId: order.orderId,
    customerId: order.customerId,
    amountCents,
    metadata: { traceToken: createTraceToken(undefined, { secret: tokenSecret, businessKey: order.orderId }) },
  };
  const response = await fetch(paymentUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': order.orderId },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`payment API answered ${response.status}`);
}
