import { App, Aspects, Duration, IAspect, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { NagSuppressions } from 'cdk-nag';
import { inlineFunctionProps, regionalStack } from './helpers';
import { packFindings } from './nag-helpers';
import { coverageStack, exampleStack } from './stacks';
import { TracingChecksNagPack } from '../src/checks/nag-pack';
import { TracingCheckLevel, TracingChecks } from '../src/checks/tracing-checks';

/** The stack's findings of `pack` (errors and warnings), as "path: rule id": the same in both modes. */
function findings(stack: Stack, pack: IAspect): string[] {
  return packFindings(stack, [pack], /^TracingChecks-/).map((f) => f.replace(/^(.*?): (TracingChecks-\w+).*$/, '$1: $2'));
}

const PACKS: Array<[string, () => IAspect]> = [
  ['TracingChecks', () => new TracingChecks()],
  ['TracingChecksNagPack', () => new TracingChecksNagPack()],
];

describe('TracingChecksNagPack (cdk-nag mode)', () => {
  /** A stack breaking every rule at least once. */
  function everyRuleBroken(): Stack {
    const stack = regionalStack();
    new lambda.Function(stack, 'Untraced', inlineFunctionProps());
    // Active tracing, but no layer, no log group and a user id in its resource attributes; a 10 s timeout
    // needs a 60 s visibility timeout, and the queue keeps the default 30 s.
    const fn = new lambda.Function(stack, 'Consumer', {
      ...inlineFunctionProps(),
      tracing: lambda.Tracing.ACTIVE,
      timeout: Duration.seconds(10),
      environment: { OTEL_RESOURCE_ATTRIBUTES: 'user.id=42' },
    });
    const queue = new sqs.Queue(stack, 'Queue');
    fn.addEventSource(new SqsEventSource(queue));
    new sns.Topic(stack, 'Topic').addSubscription(new subscriptions.SqsSubscription(queue));
    new apigateway.RestApi(stack, 'Api').root.addMethod('GET', new apigateway.MockIntegration());
    new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
    new events.Rule(stack, 'Rule', { eventPattern: { source: ['orders'] } })
      .addTarget(new targets.SqsQueue(queue, { message: events.RuleTargetInput.fromText('order placed') }));
    return stack;
  }

  test('reports what the aspect reports, under the same rule ids', () => {
    const viaNag = findings(everyRuleBroken(), new TracingChecksNagPack());
    expect(viaNag).toEqual(findings(everyRuleBroken(), new TracingChecks()));
    expect(new Set(viaNag.map((f) => f.split(': ')[1]))).toEqual(new Set(TracingChecks.rules.map((r) => r.id)));
  });

  test.each(PACKS)('one NagSuppressions acknowledgement serves %s', (_name, pack) => {
    const stack = regionalStack();
    NagSuppressions.addResourceSuppressions(new sns.Topic(stack, 'Alarms'), [{ id: 'TracingChecks-TopicActiveTracing', reason: 'Alarm notifications belong to no request.' }]);
    new sns.Topic(stack, 'Orders');
    expect(findings(stack, pack())).toEqual(['/TestStack/Orders/Resource: TracingChecks-TopicActiveTracing']);
  });

  test('takes cdk-nag\'s options with the level and disabled rules: the message gives the fix, verbose adds the explanation', () => {
    const stack = regionalStack();
    new sns.Topic(stack, 'Topic');
    new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')) });
    Aspects.of(stack).add(new TracingChecksNagPack({ level: TracingCheckLevel.WARNING, disabledRules: ['TracingChecks-StateMachineTracing'], verbose: true }));
    const rule = TracingChecks.rules.find((r) => r.id === 'TracingChecks-TopicActiveTracing')!;
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('^TracingChecks-')).map((m) => [m.id, m.entry.data])).toEqual([
      ['/TestStack/Topic/Resource', `${rule.id}: ${rule.name}. Fix: ${rule.fix} ${rule.explanation}\n`],
    ]);
  });
});

describe.each(PACKS)('%s on the example and on every construct of the library', (_name, pack) => {
  test.each([
    ['the example', () => exampleStack(new App())],
    ['the regional coverage stack', () => coverageStack(new App(), 'Regional', 'eu-central-1')],
    ['the region-agnostic coverage stack', () => coverageStack(new App(), 'Agnostic')],
  ])('%s has no findings', (_stackName, make) => {
    expect(findings(make(), pack())).toEqual([]);
  });
});
