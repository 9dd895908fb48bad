import { App, Aspects, Stack } from 'aws-cdk-lib';
import { OrderPipelineStack } from './order-pipeline-stack';
import { TracingChecks, TracingReport } from '../../src';

// `cdk deploy` sets CDK_OUTDIR and the environment; `npx projen example` synthesizes into cdk.out/
// with no account, so the stack stays region-agnostic and the layer resolves at deploy time.
const started = Date.now();
const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
new OrderPipelineStack(app, 'OrderPipeline', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  paymentApiUrl: app.node.tryGetContext('paymentApiUrl') ?? 'https://payments.example.com/v1/charges',
});

// Every gap in the tracing (an untraced function, a subscription without raw delivery, ...) is an error here.
Aspects.of(app).add(new TracingChecks());

const assembly = app.synth();
const elapsed = Date.now() - started;
for (const stack of app.node.children.filter(Stack.isStack)) {
  process.stdout.write(`${TracingReport.render(stack)}\n`);
}
const findings = assembly.stacks.flatMap((s) => s.messages).filter((m) => String(m.entry.data).startsWith('TracingChecks-'));
process.stdout.write(`\nTracingChecks: ${findings.length} finding(s)${findings.map((f) => `\n  ${f.id}: ${f.entry.data}`).join('')}\n`);
process.stdout.write(`\nSynthesized ${assembly.stacks.length} stack(s) into ${assembly.directory} in ${elapsed} ms (construction, bundling and synthesis)\n`);
