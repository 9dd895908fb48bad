import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { inlineFunctionProps } from './helpers';
import { nagFindings } from './nag-helpers';
import { coverageStack } from './stacks';
import { TracedFunction, TracedQueue } from '../src';

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
});
