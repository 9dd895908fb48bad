import { Annotations, Aws, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as xray from 'aws-cdk-lib/aws-xray';
import { inTheSameEnvironment } from '../registry/regional-quota';
import { contextIsFalse, TracingRegistry } from '../registry/tracing-registry';

const XRAY_POLICY_ID = 'SnsActiveTracingXRayPolicy';
/**
 * Context key that leaves the SNS X-Ray resource policy out, for accounts that manage one shared policy
 * (X-Ray allows 5 resource policies per account and Region): `"@cdk-serverless-tracing/snsXRayPolicy": false`.
 */
export const SNS_XRAY_POLICY_CONTEXT = '@cdk-serverless-tracing/snsXRayPolicy';
/** Topic ARNs listed one by one up to this many; beyond, the account's topic ARN pattern keeps the policy under 5,120 characters. */
const MAX_LISTED_TOPICS = 20;
const XRAY_RESOURCE_POLICIES_QUOTA = 5;

/**
 * SNS needs an X-Ray resource policy to write segments of actively traced topics. One per stack, shared by
 * its topics: scoped to this account, and to exactly the stack's traced topics, read from the registry.
 */
export function snsActiveTracingPolicy(stack: Stack, registry: TracingRegistry): void {
  if (stack.node.tryFindChild(XRAY_POLICY_ID) || contextIsFalse(stack, SNS_XRAY_POLICY_CONTEXT)) return;
  const document = Lazy.string({
    produce: () => stack.toJsonString({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'SNSAccess',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: ['xray:PutTraceSegments', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': registry.topics.length <= MAX_LISTED_TOPICS
              ? registry.topics.map((t) => t.topic.topicArn)
              : `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`,
          },
        },
      }],
    }),
  });
  new xray.CfnResourcePolicy(stack, XRAY_POLICY_ID, {
    policyName: `${Names.uniqueResourceName(registry, { maxLength: 124, separator: '-' })}-sns`,
    policyDocument: document,
  });
  if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) return;
  // Through the registries (every stack with this policy has one), not a walk of the app per stack.
  const sameEnvironment = inTheSameEnvironment(stack).filter((r) => Stack.of(r).node.tryFindChild(XRAY_POLICY_ID) !== undefined);
  if (sameEnvironment.length > XRAY_RESOURCE_POLICIES_QUOTA) {
    Annotations.of(stack).addWarningV2('cdk-serverless-tracing:xray-resource-policies',
      `${sameEnvironment.length} stacks create an SNS X-Ray resource policy in ${stack.account}/${stack.region}; X-Ray allows ${XRAY_RESOURCE_POLICIES_QUOTA}. Keep one and set the ${SNS_XRAY_POLICY_CONTEXT} context to false elsewhere.`);
  }
}
