import { Aspects, IAspect, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * Runs `packs` over the stack's app and returns every unacknowledged finding (errors and warnings) whose
 * message matches `pattern`, as "path: first line of the message".
 */
export function packFindings(stack: Stack, packs: IAspect[], pattern: RegExp): string[] {
  for (const pack of packs) Aspects.of(stack).add(pack);
  const annotations = Annotations.fromStack(stack);
  const match = Match.stringLikeRegexp(pattern.source);
  return [...annotations.findError('*', match), ...annotations.findWarning('*', match)]
    .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
}

/** Every unacknowledged AwsSolutions and Serverless finding of the stack's app. */
export function nagFindings(stack: Stack): string[] {
  return packFindings(stack, [new AwsSolutionsChecks(), new ServerlessChecks()], /(AwsSolutions|Serverless)-/);
}
