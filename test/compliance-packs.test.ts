import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { inlineFunctionProps } from './helpers';
import { packFindings } from './nag-helpers';
import { coverageStack, exampleStack } from './stacks';
import { TracedFunction, TracedQueue, TracingAlarms } from '../src';

/** Every HIPAA and NIST 800-53 R5 finding of the stack, as "path: rule id". */
function complianceFindings(stack: Stack): string[] {
  return packFindings(stack, [new HIPAASecurityChecks(), new NIST80053R5Checks()], /^(HIPAA|NIST)/).map((f) => f.split(':').slice(0, 2).join(':'));
}

/**
 * What an application decides for its own functions, log groups, secrets and API, which these packs report
 * and the library leaves to it: VPC placement, reserved concurrency, function DLQs, log group KMS keys,
 * secret rotation and keys, API Gateway caching, client certificates and WAF.
 */
const APPLICATION_CHOICES = /-(LambdaInsideVPC|LambdaConcurrency|LambdaDLQ|CloudWatchLogGroupEncrypted|SecretsManagerRotationEnabled|SecretsManagerUsingKMSKey|APIGWSSLEnabled|APIGWCacheEnabledAndEncrypted|APIGWAssociatedWithWAF)$/;

describe('HIPAA and NIST 800-53 R5 packs', () => {
  test.each([
    // notify's own dead-letter queue and on-failure destination (its props) put their grants in its default policy first;
    // the example's own secret grants (grantRead) to charge and payment-webhook are inline statements of its own too
    ['the example', () => exampleStack(new App()), ['Notify', 'Charge', 'PaymentWebhook'].map((fn) => `/OrderPipeline/${fn}/ServiceRole/DefaultPolicy/Resource`)],
    ['the regional coverage stack', () => coverageStack(new App(), 'Regional', 'eu-central-1'), []],
    ['the region-agnostic coverage stack', () => coverageStack(new App(), 'Agnostic'), []],
  ])('%s has no finding caused by the library; the application\'s own choices stay reported', (_name, make, ownPolicies) => {
    const findings = complianceFindings(make());
    const byLibrary = findings.filter((f) => !APPLICATION_CHOICES.test(f) && !ownPolicies.some((p) => f.startsWith(`${p}: `)));
    expect(byLibrary).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
  });

  test('an inline policy the application writes itself is still reported', () => {
    const stack = new Stack(new App(), 'Own', { env: { account: '123456789012', region: 'eu-central-1' } });
    const fn = new TracedFunction(stack, 'Fn', inlineFunctionProps(lambda.Runtime.NODEJS_24_X));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    new TracedQueue(stack, 'Jobs').addConsumer(fn);
    new TracingAlarms(stack, 'Alarms');
    const findings = complianceFindings(stack);
    expect(findings).toEqual(expect.arrayContaining(['/Own/Fn/ServiceRole/DefaultPolicy/Resource: HIPAA.Security-IAMNoInlinePolicy']));
    expect(findings.filter((f) => /TracingXRayWritePolicy|\/Alarms\//.test(f))).toEqual([]);
  });

  test('statements the application adds to a default policy the library created are called out', () => {
    const stack = new Stack(new App(), 'Quiet', { env: { account: '123456789012', region: 'eu-central-1' } });
    const fn = new TracedFunction(stack, 'Fn', inlineFunctionProps(lambda.Runtime.NODEJS_24_X));
    new TracedQueue(stack, 'Jobs').addConsumer(fn);
    new TracedQueue(stack, 'More').addConsumer(fn);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('also holds'))).toEqual([]);

    const later = new Stack(new App(), 'Later', { env: { account: '123456789012', region: 'eu-central-1' } });
    const own = new TracedFunction(later, 'Fn', inlineFunctionProps(lambda.Runtime.NODEJS_24_X));
    new TracedQueue(later, 'Jobs').addConsumer(own);
    own.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    expect(Annotations.fromStack(later).findWarning('/Later/Fn/ServiceRole/DefaultPolicy', Match.stringLikeRegexp('also holds 1 statement\\(s\\) the application added'))).toHaveLength(1);
  });
});
