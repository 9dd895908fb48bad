import { createHmac, timingSafeEqual } from 'crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { PaymentCompleted } from './notify';
import { secretFromEnvironment } from './secrets';
// In an application: import { annotate, injectEventBridgeEntry, startLinkedSpan } from 'cdk-serverless-tracing/runtime';
import { annotate, injectEventBridgeEntry, startLinkedSpan } from '../../../src/runtime';

/** What the payment provider posts once it has processed a payment. */
export interface PaymentResult {
  readonly orderId: string;
  readonly customerId: string;
  readonly amountCents: number;
  readonly status: 'captured' | 'declined';
  /** What charge sent in `metadata`, returned as it was. */
  readonly metadata?: { readonly traceToken?: string };
}

/** The provider signs `<timestamp>.<body>` with the shared secret; older signatures are replays. */
export const SIGNATURE_HEADER = 'x-payment-signature';
const SIGNATURE_TOLERANCE_SECONDS = 300;

const events = new EventBridgeClient({});

/**
 * POST /payments/webhook: the payment provider's answer to charge. Authorized the way payment providers
 * authorize webhooks: an HMAC-SHA256 signature over the timestamp and the raw body with a secret shared
 * with the provider (Secrets Manager), checked before the body is read. The work runs in a span linked to
 * charge's span through the trace token the provider returns, annotated with `orderId`; a captured payment
 * is published as PaymentCompleted on the payments bus, with this trace's context for notify.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = event.body ?? '';
  const signature = event.headers?.[SIGNATURE_HEADER] ?? event.headers?.[SIGNATURE_HEADER.toUpperCase()];
  if (!verifySignature(body, signature, await secretFromEnvironment('PAYMENT_WEBHOOK_SECRET_ARN'), Date.now() / 1000)) {
    return respond(401, { message: 'invalid signature' });
  }
  let result: PaymentResult;
  try {
    result = JSON.parse(body) as PaymentResult;
  } catch {
    return respond(400, { message: 'body is not JSON' });
  }
  if (typeof result?.orderId !== 'string' || (result.status !== 'captured' && result.status !== 'declined')) {
    return respond(400, { message: 'orderId and status (captured or declined) are required' });
  }
  const secret = await secretFromEnvironment('TRACE_TOKEN_SECRET_ARN');
  return startLinkedSpan('payment webhook', result.metadata?.traceToken, { secret, annotateKey: 'orderId' }, async (linked) => {
    annotate({ orderId: result.orderId, paymentPath: true, paymentStatus: result.status });
    if (result.status === 'captured') await publishPaymentCompleted(result);
    console.log(JSON.stringify({ message: 'payment result received', orderId: result.orderId, status: result.status, chargeTraceId: linked?.traceId }));
    return respond(200, { received: result.orderId, linkedTo: linked?.traceId ?? null });
  });
}

/** Whether `header` (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`) signs `body` and is recent. */
export function verifySignature(body: string, header: string | undefined, secret: string, nowSeconds: number): boolean {
  const fields = new Map((header ?? '').split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

async function publishPaymentCompleted(result: PaymentResult): Promise<void> {
  const detail: PaymentCompleted = { orderId: result.orderId, customerId: result.customerId, amountCents: result.amountCents };
  // TraceHeader for X-Ray plus detail._trace for W3C consumers: the bus passes both on to notify.
  const published = await events.send(new PutEventsCommand({
    Entries: [injectEventBridgeEntry({
      EventBusName: process.env.PAYMENTS_EVENT_BUS_NAME,
      Source: 'orders.payments',
      DetailType: 'PaymentCompleted',
      Detail: JSON.stringify(detail),
    })],
  }));
  if (published.FailedEntryCount) throw new Error(`PaymentCompleted was not published: ${JSON.stringify(published.Entries)}`);
}

function respond(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
