import { CreateQueueCommand, GetQueueAttributesCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** A queue created in moto, with the URL the SDK sends to and the ARN Lambda's records carry. */
export interface TestQueue {
  readonly url: string;
  readonly arn: string;
}

export async function createQueue(sqs: SQSClient, name: string): Promise<TestQueue> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** What Lambda's SQS event source would hand the function for the next `expected` messages of `queue`. */
export async function receiveAsLambdaEvent(sqs: SQSClient, queue: TestQueue, expected: number, region: string): Promise<{ Records: SQSRecord[] }> {
  const messages: Message[] = [];
  for (let attempt = 0; attempt < 20 && messages.length < expected; attempt++) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'],
    }));
    messages.push(...Messages);
  }
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: m.Attributes as SQSRecord['attributes'],
      messageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {})
        .map(([k, v]) => [k, { stringValue: v.StringValue, dataType: v.DataType! }])) as SQSRecord['messageAttributes'],
      md5OfBody: m.MD5OfBody!,
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: region,
    })),
  };
}
