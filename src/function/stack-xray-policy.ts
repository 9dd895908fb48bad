import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeNagFindings } from '../nag/nag-acknowledgement';

/** One stack-wide X-Ray policy: its construct id, what it is for, and the X-Ray actions it holds. */
export interface StackXRayPolicyOptions {
  readonly id: string;
  readonly description: string;
  readonly actions: string[];
  /** Why `Resource: *` is acknowledged (AwsSolutions-IAM5). */
  readonly reason: string;
}

/**
 * Attaches the stack's customer managed policy for these X-Ray actions to `role`, creating it on first use:
 * one resource per stack instead of one inline policy per role (what HIPAA and NIST 800-53 ask for), with
 * the `Resource: *` X-Ray requires acknowledged for exactly these actions and nothing else on the role.
 */
export function attachStackXRayPolicy(role: iam.Role, options: StackXRayPolicyOptions): void {
  const stack = Stack.of(role);
  let policy = stack.node.tryFindChild(options.id) as iam.ManagedPolicy | undefined;
  if (!policy) {
    policy = new iam.ManagedPolicy(stack, options.id, {
      description: options.description,
      statements: [new iam.PolicyStatement({ actions: options.actions, resources: ['*'] })],
    });
    acknowledgeNagFindings(policy.node.defaultChild as CfnResource, [{
      id: 'AwsSolutions-IAM5',
      reason: options.reason,
      appliesTo: ['Resource::*'],
    }]);
  }
  role.addManagedPolicy(policy);
}
