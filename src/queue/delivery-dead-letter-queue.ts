import { CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNagFindings } from '../nag/nag-acknowledgement';

/**
 * A dead-letter queue for what a service could not deliver (an EventBridge rule target, an SNS
 * subscription): SQS-managed encryption, SSL only, 14-day retention. It is itself the last stop, so the
 * findings about its own missing dead-letter queue are acknowledged with `purpose` as the reason.
 *
 * @param purpose what the queue is the dead-letter queue of, e.g. `the EventBridge rule Stack/Bus/Rule`
 */
export function deliveryDeadLetterQueue(scope: Construct, id: string, purpose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const reason = `Dead-letter queue of ${purpose}: the last stop for what it could not deliver.`;
  acknowledgeNagFindings(queue.node.defaultChild as CfnResource, [
    { id: 'AwsSolutions-SQS3', reason },
    { id: 'Serverless-SQSRedrivePolicy', reason },
  ]);
  return queue;
}
