import { App, Stack } from 'aws-cdk-lib';
import { OrderPipelineStack } from './order-pipeline-stack';
import { TracingReport } from '../../src';

// `cdk deploy` sets CDK_OUTDIR and the environment; `npx projen example` synthesizes into cdk.out/
// with no account, so the stack stays region-agnostic and the layer resolves at deploy time.
const started = Date.now();
const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
new OrderPipelineStack(app, 'OrderPipeline', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  paymentApiUrl: app.node.tryGetContext('paymentApiUrl') ?? 'https://payments.example.com/v1/charges',
});

const assembly = app.synth();
const elapsed = Date.now() - started;
for (const stack of app.node.children.filter(Stack.isStack)) {
  process.stdout.write(`${TracingReport.render(stack)}\n`);
}
process.stdout.write(`\nSynthesized ${assembly.stacks.length} stack(s) into ${assembly.directory} in ${elapsed} ms (construction, bundling and synthesis)\n`);
