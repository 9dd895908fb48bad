import type { EventBridgeEvent } from 'aws-lambda';
// In an application: import { eventBridgeEventContext } from 'cdk-serverless-tracing/runtime';
import { eventBridgeEventContext } from '../../../src/runtime';

/** What payment-webhook publishes once the provider reports a captured payment. */
export interface PaymentCompleted {
  readonly orderId: string;
  readonly customerId: string;
  readonly amountCents: number;
}

/**
 * Tells the customer their payment went through. Invoked by EventBridge: Lambda continues the X-Ray trace
 * of the PutEvents call, and the W3C context of the payment-webhook span travels in detail._trace.
 */
export async function handler(event: EventBridgeEvent<'PaymentCompleted', PaymentCompleted>): Promise<{ notified: string }> {
  const producer = eventBridgeEventContext(event);
  console.log(JSON.stringify({
    message: 'payment confirmation sent',
    orderId: event.detail.orderId,
    customerId: event.detail.customerId,
    amountCents: event.detail.amountCents,
    producerTraceId: producer?.traceId,
    producerSpanId: producer?.parentId,
  }));
  return { notified: event.detail.customerId };
}
