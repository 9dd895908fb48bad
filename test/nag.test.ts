import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NagSuppressions } from 'cdk-nag';
import { inlineFunctionProps } from './helpers';
import { nagFindings } from './nag-helpers';
import { coverageStack } from './stacks';
import { TracedFunction, TracedQueue } from '../src';
import { acknowledgeNagFindingsForStack } from '../src/nag/nag-acknowledgement';

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  test('a regional stack using every construct has no unacknowledged findings', () => {
    expect(nagFindings(coverageStack(new App(), 'Regional', 'eu-central-1'))).toEqual([]);
  });

  test('a region-agnostic stack using every construct has no unacknowledged findings', () => {
    expect(nagFindings(coverageStack(new App(), 'Agnostic'))).toEqual([]);
  });

  test('the library acknowledges only what it creates: a user\'s own choices are still reported', () => {
    const app = new App();
    const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'eu-central-1' } });
    const fn = new TracedFunction(stack, 'Fn', inlineFunctionProps(lambda.Runtime.NODEJS_24_X));
    new TracedQueue(stack, 'Queue').addConsumer(fn);
    const findings = nagFindings(stack);
    expect(findings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\/Bare\/Fn\/ServiceRole\/Resource: AwsSolutions-IAM4\[Policy::.*AWSLambdaBasicExecutionRole\]/),
      expect.stringMatching(/^\/Bare\/Fn\/Resource: Serverless-LambdaDefaultMemorySize/),
    ]));
    expect(findings.filter((f) => /TracingXRayWritePolicy|ApplicationSignals|DeadLetterQueue|SqsEventSource|Resource::\*/.test(f))).toEqual([]);
  });

  test('the stack-level acknowledgement of the Application Signals policy covers that policy only, beside the application\'s own', () => {
    const app = new App();
    const stack = new Stack(app, 'Shared', { env: { account: '123456789012', region: 'eu-central-1' } });
    NagSuppressions.addStackSuppressions(stack, [{ id: 'Serverless-LambdaDefaultMemorySize', reason: 'The application sizes its functions after load tests.' }]);
    for (const id of ['A', 'B', 'C']) new TracedFunction(stack, id, inlineFunctionProps(lambda.Runtime.NODEJS_24_X));
    new iam.Role(stack, 'Reporting', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
    });
    const findings = nagFindings(stack);
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/^\/Shared\/Reporting\/Resource: AwsSolutions-IAM4\[Policy::.*ReadOnlyAccess\]/)]));
    expect(findings.filter((f) => /ApplicationSignals|LambdaDefaultMemorySize/.test(f))).toEqual([]);
    const rules = stack.templateOptions.metadata?.cdk_nag.rules_to_suppress.map((r: { id: string }) => r.id);
    expect(rules).toEqual(['Serverless-LambdaDefaultMemorySize', 'AwsSolutions-IAM4']);
  });

  test('the stack-level acknowledgement survives metadata the application sets on the template afterwards', () => {
    const app = new App();
    const stack = new Stack(app, 'Owned', { env: { account: '123456789012', region: 'eu-central-1' } });
    new TracedFunction(stack, 'A', inlineFunctionProps(lambda.Runtime.NODEJS_24_X));
    stack.templateOptions.metadata = { Owner: 'team-a' };
    expect(nagFindings(stack).filter((f) => /ApplicationSignals/.test(f))).toEqual([]);
    expect(stack.templateOptions.metadata.Owner).toBe('team-a');
    expect(stack.templateOptions.metadata.cdk_nag.rules_to_suppress.map((r: { id: string }) => r.id)).toEqual(['AwsSolutions-IAM4']);
  });

  test('a whole rule is never acknowledged for a stack: only findings limited by appliesTo', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledgeNagFindingsForStack(stack, [{ id: 'AwsSolutions-IAM4', reason: 'Would hide every role of the application.' }]))
      .toThrow(/^cdk-nag acknowledgement of AwsSolutions-IAM4 for a whole stack needs appliesTo/);
    expect(stack.templateOptions.metadata).toBeUndefined();
  });
});
