import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/** How a rule delivers to a queue: what aws-cdk-lib's `SqsQueue` target takes. */
export interface QueueRuleTargetProps {
  readonly deadLetterQueue: sqs.IQueue;
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  readonly message?: events.RuleTargetInput;
  readonly messageGroupId?: string;
}

/**
 * An EventBridge rule target for a queue with least-privilege grants. aws-cdk-lib's `SqsQueue` target grants
 * `events.amazonaws.com` `grantSendMessages`, which on a KMS-encrypted queue also gives it `kms:Encrypt`,
 * `kms:ReEncrypt*` and `kms:GenerateDataKey*` on the key. EventBridge needs only `kms:GenerateDataKey` and
 * `kms:Decrypt` to send to an encrypted queue, and the queue policy only `sqs:SendMessage` from this rule.
 * The key statement is conditioned on the account (`aws:SourceAccount`, which the KMS request from
 * EventBridge carries; `aws:SourceArn` does not reach KMS), the queue statement on the rule's ARN.
 */
export class QueueRuleTarget implements events.IRuleTarget {
  constructor(private readonly queue: sqs.IQueue, private readonly props: QueueRuleTargetProps) {}

  public bind(rule: events.IRule, _id?: string): events.RuleTargetConfig {
    const principal = new iam.ServicePrincipal('events.amazonaws.com');
    this.queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [principal],
      actions: ['sqs:SendMessage'],
      resources: [this.queue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
    }));
    const key = this.queue.encryptionMasterKey;
    if (key instanceof kms.Key) {
      key.addToResourcePolicy(new iam.PolicyStatement({
        principals: [principal],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(rule).account } },
      }));
    }
    targets.addToDeadLetterQueueResourcePolicy(rule, this.props.deadLetterQueue);
    return {
      ...targets.bindBaseTargetConfig(this.props),
      arn: this.queue.queueArn,
      input: this.props.message,
      targetResource: this.queue,
      sqsParameters: this.props.messageGroupId ? { messageGroupId: this.props.messageGroupId } : undefined,
    };
  }
}
