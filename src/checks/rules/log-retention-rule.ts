import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { isLiteral, member, referencedResource, resourcesOf } from './cfn-values';
import { isActivelyTraced } from './function-rules';
import { TracingCheckDefinition, TracingCheckResult, tracingCheckId } from '../tracing-check-rule';

function retentionOf(logGroup: logs.CfnLogGroup): TracingCheckResult {
  const retention = Stack.of(logGroup).resolve(logGroup.retentionInDays);
  if (retention === undefined) return TracingCheckResult.NON_COMPLIANT;
  return typeof retention === 'number' ? TracingCheckResult.COMPLIANT : TracingCheckResult.NOT_APPLICABLE;
}

/** The log group of this stack whose resolved name is `name` (a literal, or the same intrinsic). */
function logGroupNamed(stack: Stack, name: unknown): logs.CfnLogGroup | undefined {
  const wanted = JSON.stringify(name);
  return resourcesOf(stack).find((r): r is logs.CfnLogGroup =>
    r instanceof logs.CfnLogGroup && JSON.stringify(stack.resolve(r.logGroupName)) === wanted);
}

/**
 * The names the stack can give the log group Lambda writes to when the function names none,
 * `/aws/lambda/<function name>`: with `Ref` to the function, or with the function's name itself.
 */
function defaultLogGroupNames(fn: lambda.CfnFunction, stack: Stack, functionName: unknown): unknown[] {
  const byRef = { 'Fn::Join': ['', ['/aws/lambda/', { Ref: stack.resolve(fn.logicalId) }]] };
  if (functionName === undefined) return [byRef];
  return [byRef, typeof functionName === 'string' ? `/aws/lambda/${functionName}` : { 'Fn::Join': ['', ['/aws/lambda/', functionName]] }];
}

export const FUNCTION_LOG_RETENTION: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('FunctionLogRetention'),
    name: 'Traced Lambda function logging to a log group without retention',
    explanation: 'The traced function\'s logs carry its trace ids, so they are kept as long as its traces are useful and then deleted: ' +
      'a log group without RetentionInDays (including the /aws/lambda/<name> group Lambda creates when the function names none) keeps them forever, at a cost.',
    fix: 'Give the function logGroup: new logs.LogGroup(this, \'Logs\', { retention: logs.RetentionDays.ONE_MONTH }) (or any retention), ' +
      'or set retention on the log group it already names.',
  },
  evaluate: (resource, stack) => {
    if (!isActivelyTraced(resource, stack)) return TracingCheckResult.NOT_APPLICABLE;
    const logGroup = member(stack, resource.loggingConfig, 'logGroup');
    if (logGroup !== undefined) {
      const target = referencedResource(stack, logGroup);
      if (target instanceof logs.CfnLogGroup) return retentionOf(target);
      const name = stack.resolve(logGroup);
      const declared = isLiteral(name) ? logGroupNamed(stack, name) : undefined;
      // A log group declared elsewhere is that stack's or account's concern.
      return declared ? retentionOf(declared) : TracingCheckResult.NOT_APPLICABLE;
    }
    // aws-cdk-lib's deprecated logRetention prop sets the retention of the default group with a custom resource.
    if (resource.node.scope?.node.tryFindChild('LogRetention') instanceof logs.LogRetention) return TracingCheckResult.COMPLIANT;
    const functionName = stack.resolve(resource.functionName);
    const declared = defaultLogGroupNames(resource, stack, functionName).map((name) => logGroupNamed(stack, name)).find((g) => g !== undefined);
    if (declared) return retentionOf(declared);
    // A name only known at deploy time may be written in ways not matched here: no guessed finding.
    return isLiteral(functionName) ? TracingCheckResult.NON_COMPLIANT : TracingCheckResult.NOT_APPLICABLE;
  },
};
