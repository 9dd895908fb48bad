import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
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
 * The queue statement is conditioned on the rule's ARN, or, when the rule is in another stack (a reference
 * from the queue's stack back to the rule's would be a cycle), on the account. The key statement has no
 * condition: AWS documents none that reaches KMS from EventBridge deliveries (for SNS it says
 * `aws:SourceAccount`/`aws:SourceArn` are not supported), the key belongs to this queue alone, and the queue
 * policy already admits only the rule.
 */
export class QueueRuleTarget implements events.IRuleTarget {
  constructor(private readonly queue: sqs.IQueue, private readonly props: QueueRuleTargetProps) {}

  public bind(rule: events.IRule, _id?: string): events.RuleTargetConfig {
    const principal = new iam.ServicePrincipal('events.amazonaws.com');
    const sameStack = Stack.of(rule) === Stack.of(this.queue);
    this.queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [principal],
      actions: ['sqs:SendMessage'],
      resources: [this.queue.queueArn],
      conditions: sameStack ? { ArnEquals: { 'aws:SourceArn': rule.ruleArn } } : { StringEquals: { 'aws:SourceAccount': Stack.of(rule).account } },
    }));
    const key = this.queue.encryptionMasterKey;
    if (key !== undefined && key instanceof awsKms().Key) {
      key.addToResourcePolicy(new iam.PolicyStatement({ principals: [principal], actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['*'] }));
    } else if (key) {
      Annotations.of(rule).addWarningV2('cdk-serverless-tracing:queue-key-not-granted',
        `${this.queue.node.path} is encrypted with a key this app does not create, so its policy cannot be changed here: allow events.amazonaws.com kms:GenerateDataKey and kms:Decrypt in the key policy, or every event goes to the rule's dead-letter queue.`);
    }
    const { addToDeadLetterQueueResourcePolicy, bindBaseTargetConfig } = awsEventsTargets();
    addToDeadLetterQueueResourcePolicy(rule, this.props.deadLetterQueue);
    return {
      ...bindBaseTargetConfig(this.props),
      arn: this.queue.queueArn,
      input: this.props.message,
      targetResource: this.queue,
      sqsParameters: this.props.messageGroupId ? { messageGroupId: this.props.messageGroupId } : undefined,
    };
  }
}

// aws-kms and aws-events-targets are loaded when a rule binds, not with the library: an app that routes no
// events never needs them.
function awsKms(): typeof kms {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('aws-cdk-lib/aws-kms');
}

function awsEventsTargets(): typeof targets {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('aws-cdk-lib/aws-events-targets');
}
