import { Annotations, Aws, Stack, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { TracingRegistry } from '../registry/tracing-registry';

/**
 * Props of `TransactionSearch`.
 */
export interface TransactionSearchProps {
  /**
   * The percentage of spans indexed as trace summaries for search, 0 to 100. Every span is stored in the
   * `aws/spans` log group whatever this is; indexing costs extra.
   * @default 1
   */
  readonly indexingPercentage?: number;
}

/**
 * CloudWatch Transaction Search: X-Ray stores every span in the `aws/spans` log group and indexes a share
 * of them. It is one setting per account and Region: create at most one, in one stack, and only where
 * Transaction Search is not already enabled outside CloudFormation. Includes the CloudWatch Logs resource
 * policy that lets X-Ray write the spans, scoped to this account's X-Ray.
 */
export class TransactionSearch extends Construct {
  /** The Transaction Search setting. */
  public readonly cfnTransactionSearchConfig: xray.CfnTransactionSearchConfig;
  /** The resource policy that lets X-Ray write to `aws/spans` and `/aws/application-signals/data`. */
  public readonly logsResourcePolicy: logs.CfnResourcePolicy;

  constructor(scope: Construct, id: string, props: TransactionSearchProps = {}) {
    super(scope, id);
    const indexingPercentage = props.indexingPercentage ?? 1;
    if (!Token.isUnresolved(indexingPercentage) && (!Number.isFinite(indexingPercentage) || indexingPercentage < 0 || indexingPercentage > 100)) {
      throw new Error(`indexingPercentage: ${indexingPercentage} is not allowed; use a percentage from 0 to 100`);
    }
    const registry = TracingRegistry.of(this);
    const existing = registry.transactionSearch;
    if (existing) {
      throw new Error(`TransactionSearch: '${existing.owner.node.path}' already enables it for this stack; it is one setting per account and Region`);
    }
    const stack = Stack.of(this);
    // aws-logs is loaded by Transaction Search, not with the library.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CfnResourcePolicy } = require('aws-cdk-lib/aws-logs') as typeof logs;
    this.logsResourcePolicy = new CfnResourcePolicy(this, 'SpansPolicy', {
      policyName: `${stack.stackName}-transaction-search`.slice(0, 255),
      policyDocument: stack.toJsonString({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'TransactionSearchXRayAccess',
          Effect: 'Allow',
          Principal: { Service: 'xray.amazonaws.com' },
          Action: 'logs:PutLogEvents',
          Resource: [
            `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:aws/spans:*`,
            `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/application-signals/data:*`,
          ],
          Condition: {
            ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:xray:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          },
        }],
      }),
    });
    this.cfnTransactionSearchConfig = new xray.CfnTransactionSearchConfig(this, 'Resource', { indexingPercentage });
    this.cfnTransactionSearchConfig.addDependency(this.logsResourcePolicy);
    registry._registerTransactionSearch({ owner: this });
    this.warnIfElsewhere(stack);
  }

  /** Another stack of the app in the same account and Region enabling it would fail at deploy time. */
  private warnIfElsewhere(stack: Stack): void {
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) return;
    const others = TracingRegistry.inApp(this)
      .map((registry) => Stack.of(registry))
      .filter((s) => s !== stack && s.region === stack.region && s.account === stack.account)
      .filter((s) => TracingRegistry.of(s).transactionSearch !== undefined);
    if (others.length > 0) {
      Annotations.of(this).addWarningV2('cdk-serverless-tracing:transaction-search-twice',
        `Transaction Search is also enabled by ${others.map((s) => s.node.path).join(', ')} for ${stack.account}/${stack.region}; only one can own the setting.`);
    }
  }
}
