import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { regionalStack, snapshotOf } from './helpers';
import { TracingRegistry, TransactionSearch } from '../src';

describe('TransactionSearch', () => {
  test('matches the snapshot', () => {
    const stack = regionalStack();
    new TransactionSearch(stack, 'Search', { indexingPercentage: 10 });
    expect(snapshotOf(Template.fromStack(stack))).toMatchSnapshot();
  });

  test('enables Transaction Search after the logs resource policy that lets X-Ray write spans', () => {
    const stack = regionalStack();
    const search = new TransactionSearch(stack, 'Search', { indexingPercentage: 10 });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::XRay::TransactionSearchConfig', {
      Properties: { IndexingPercentage: 10 },
      DependsOn: [Match.stringLikeRegexp('^SearchSpansPolicy')],
    });
    const [policy] = Object.values(template.findResources('AWS::Logs::ResourcePolicy'));
    const document = JSON.stringify(policy.Properties.PolicyDocument);
    expect(document).toContain('xray.amazonaws.com');
    expect(document).toContain('log-group:aws/spans:*');
    expect(document).toContain('log-group:/aws/application-signals/data:*');
    expect(document).toContain('aws:SourceAccount');
    expect(TracingRegistry.of(stack).transactionSearch?.owner).toBe(search);
  });

  test('indexes 1 % by default', () => {
    const stack = regionalStack();
    new TransactionSearch(stack, 'Search');
    Template.fromStack(stack).hasResourceProperties('AWS::XRay::TransactionSearchConfig', { IndexingPercentage: 1 });
  });

  test.each([[-1], [101], [Number.NaN]])('refuses indexingPercentage %p', (value) => {
    expect(() => new TransactionSearch(regionalStack(), 'S', { indexingPercentage: value })).toThrow(/^indexingPercentage: .* is not allowed; use a percentage from 0 to 100/);
  });

  test('refuses a second one in the stack, and warns about another stack of the same account and Region', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: { account: '123456789012', region: 'eu-west-1' } });
    const b = new Stack(app, 'B', { env: { account: '123456789012', region: 'eu-west-1' } });
    new TransactionSearch(a, 'Search');
    expect(() => new TransactionSearch(a, 'Again')).toThrow(/^TransactionSearch: 'A\/Search' already enables it for this stack/);
    new TransactionSearch(b, 'Search');
    Annotations.fromStack(b).hasWarning('/B/Search', Match.stringLikeRegexp('also enabled by A for 123456789012/eu-west-1'));
  });
});
