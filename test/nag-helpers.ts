import { Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * Runs the AwsSolutions and Serverless packs over the stack's app and returns every unacknowledged
 * finding (errors and warnings) as "path: message" lines.
 */
export function nagFindings(stack: Stack): string[] {
  Aspects.of(stack).add(new AwsSolutionsChecks());
  Aspects.of(stack).add(new ServerlessChecks());
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('(AwsSolutions|Serverless)-');
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)]
    .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
}
