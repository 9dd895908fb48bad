import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, NestedStack, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as xray from 'aws-cdk-lib/aws-xray';
import { exampleStack } from './stacks';
import { StackReport, TracingAssemblyReport } from '../src/cli/build-report';
import { main } from '../src/cli/main';

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** Runs the command in-process. */
function run(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

function jsonReport(...argv: string[]): TracingAssemblyReport {
  const result = run('report', ...argv, '--json');
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
}

/** The id of the only node whose logical id starts with `prefix`. */
function idOf(stack: StackReport, prefix: string): string {
  const found = stack.nodes.filter((n) => n.id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one node starting with ${prefix}, found ${found.map((n) => n.id).join(', ') || 'none'}`);
  return found[0].id;
}

function hops(stack: StackReport): string[] {
  const short = (id: string) => id.replace(/[0-9A-F]{8}$/, '');
  return stack.edges.map((e) => `${short(e.from)} -> ${short(e.to)}`).sort();
}

/** The example app, synthesized the way `npx projen example` does. */
const exampleAssembly = path.join(workDir, 'example.out');
/** An aws-cdk-lib app that knows nothing of this library. */
const plainAssembly = path.join(workDir, 'plain.out');

beforeAll(() => {
  const app = new App({ outdir: exampleAssembly });
  exampleStack(app);
  app.synth();
  synthesizePlainApp(plainAssembly);
});

function synthesizePlainApp(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'PlainApp');
  const code = lambda.Code.fromInline('exports.handler = async () => ({});');
  const fn = (id: string, props: Partial<lambda.FunctionProps> = {}) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code, ...props });
  const handler = fn('Handler');
  const worker = fn('Worker');
  const reporter = fn('Reporter');
  fn('Sweeper', { tracing: lambda.Tracing.ACTIVE });

  const jobs = new sqs.Queue(stack, 'Jobs');
  jobs.grantSendMessages(handler);
  handler.addEnvironment('JOBS_QUEUE_URL', jobs.queueUrl);
  worker.addEventSource(new SqsEventSource(jobs));

  const api = new apigateway.RestApi(stack, 'PlainApi');
  api.root.addResource('items').addMethod('GET', new apigateway.LambdaIntegration(handler));

  const topic = new sns.Topic(stack, 'Events');
  topic.grantPublish(handler);
  topic.addSubscription(new subscriptions.SqsSubscription(new sqs.Queue(stack, 'Inbox')));

  new events.Rule(stack, 'OnOrder', {
    eventPattern: { source: ['shop.orders'] },
    targets: [new targets.LambdaFunction(worker, { event: events.RuleTargetInput.fromObject({ orderId: events.EventField.fromPath('$.detail.orderId') }) })],
  });
  new events.Rule(stack, 'Nightly', { schedule: events.Schedule.rate(Duration.minutes(5)), targets: [new targets.LambdaFunction(reporter)] });
  new sfn.StateMachine(stack, 'Flow', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Start')) });
  new xray.CfnSamplingRule(stack, 'LambdaRule', {
    samplingRule: {
      ruleName: 'lambda-rule',
      priority: 50,
      fixedRate: 0.5,
      reservoirSize: 2,
      serviceName: '*',
      serviceType: 'AWS::Lambda::Function',
      host: '*',
      httpMethod: '*',
      urlPath: '*',
      resourceArn: '*',
      version: 1,
    },
  });

  const errors = new logs.LogGroup(stack, 'AppLogs');
  new cloudwatch.Dashboard(stack, 'Ops', {
    dashboardName: 'plain-ops',
    widgets: [[
      new cloudwatch.GraphWidget({ title: 'Jobs <depth> & "age"', left: [jobs.metricApproximateNumberOfMessagesVisible()], width: 12 }),
      new cloudwatch.TextWidget({ markdown: '# Plain & simple\nsecond line', width: 12, height: 2 }),
    ], [
      new cloudwatch.LogQueryWidget({ title: 'Errors', logGroupNames: [errors.logGroupName], queryLines: ['fields @timestamp, @message', 'filter level = "ERROR"'], width: 24 }),
    ]],
  });
  app.synth();
}

describe('the example app', () => {
  test('shows every hop and no losses', () => {
    const [stack] = jsonReport(exampleAssembly).stacks;
    expect(stack.name).toBe('OrderPipeline');
    // API -> Validate -> Orders -> Charge (-> the payment provider, outside the app); API -> PaymentWebhook ->
    // Payments bus -> Notify; OrderEvents topic -> Audit queue -> Auditor.
    expect(hops(stack)).toEqual([
      'AuditQueue -> Auditor',
      'OrderEventsTopic -> AuditQueue',
      'OrdersApiDeploymentStageprod -> PaymentWebhook',
      'OrdersApiDeploymentStageprod -> Validate',
      'OrdersQueue -> Charge',
      'PaymentWebhook -> PaymentsBus',
      'PaymentsBus -> Notify',
      'Validate -> OrderEventsTopic',
      'Validate -> OrdersQueue',
    ]);
    expect(stack.losses).toEqual([]);
  });

  test('labels nodes with their logical id and type, and hops with what creates them', () => {
    const [stack] = jsonReport(exampleAssembly).stacks;
    const stage = stack.nodes.find((n) => n.id === idOf(stack, 'OrdersApiDeploymentStage'))!;
    expect(stage).toMatchObject({
      kind: 'api-stage',
      name: 'OrdersApi/prod',
      activeTracing: true,
      routes: expect.arrayContaining([
        { method: 'POST', path: '/orders', function: idOf(stack, 'Validate') },
        { method: 'POST', path: '/payments/webhook', function: idOf(stack, 'PaymentWebhook') },
      ]),
    });
    expect(stack.nodes.find((n) => n.id === idOf(stack, 'Auditor'))).toMatchObject({ kind: 'function', tracing: 'Active', openTelemetryLayer: true });
    const edge = (from: string, to: string) => stack.edges.find((e) => e.from === idOf(stack, from) && e.to === idOf(stack, to))!;
    expect(edge('Validate', 'OrdersQueue')).toMatchObject({ kind: 'produces', detail: ['ORDERS_QUEUE_URL, sqs:SendMessage'] });
    expect(edge('PaymentWebhook', 'PaymentsBus')).toMatchObject({ kind: 'produces', detail: ['PAYMENTS_EVENT_BUS_NAME, events:PutEvents'] });
    expect(edge('PaymentsBus', 'Notify')).toMatchObject({ kind: 'rule-target', via: expect.stringMatching(/^PaymentsNotifyOnPayment/) });
    expect(edge('OrderEventsTopic', 'AuditQueue')).toMatchObject({ kind: 'subscription', detail: ['sqs subscription, raw delivery'] });
  });

  test('lists the sampling rules that could match at the API root, in priority order, and estimates from --rps', () => {
    const report = jsonReport(exampleAssembly, '--rps', '20');
    const [stack] = report.stacks;
    expect(stack.roots.map((r) => r.node)).toEqual([idOf(stack, 'OrdersApiDeploymentStage')]);
    const [root] = stack.roots;
    expect(root.sampling.decidedBy).toBe('x-ray-rules');
    expect(root.sampling.rules.map((r) => [r.priority, r.rule.replace(/[0-9A-F]{8}$/, ''), r.fixedRate, r.reservoirSize, r.applied, r.decides])).toEqual([
      [10, 'PaymentsSampling', 1, 1, true, ['POST /orders']],
      [100, 'ApiSampling', 0.05, 1, true, ['POST /payments/webhook']],
      [10000, 'Default', 0.05, 1, false, []],
    ]);
    // 20 requests/s split over the stage's two routes: POST /orders all sampled (10/s), POST /payments/webhook
    // by the 5 % rule after its reservoir (1 + 0.05 x 9 = 1.45/s), over a 730-hour month; 10 resources reachable.
    expect(root.estimate).toEqual({
      requestsPerSecond: 20,
      sampledPerSecond: 11.45,
      tracesPerMonth: 30_090_600,
      spansPerTrace: 10,
      spansPerMonth: 300_906_000,
      recordedCostUsd: 150.45,
    });
    expect(report.totals).toEqual({ tracesPerMonth: 30_090_600, spansPerMonth: 300_906_000, recordedCostUsd: 149.95 });
    expect(report.prices).toMatchObject({
      tracesRecordedUsdPerMillion: 5,
      tracesRecordedFreePerMonth: 100_000,
      tracesRetrievedOrScannedUsdPerMillion: 0.5,
      tracesRetrievedOrScannedFreePerMonth: 1_000_000,
    });
  });

  test('prints the hops as a tree and the prices beside the figures', () => {
    const { code, stdout } = run('report', exampleAssembly);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {4}OrdersApiDeploymentStageprod\w+ \[API stage OrdersApi\/prod\]\n {6}-> Validate\w+ \[function order-pipeline-validate\] {2}\(POST \/orders\)\n {8}-> OrdersQueue\w+ \[queue\]/m);
    expect(stdout).toContain('  Trace context losses: none');
    expect(stdout).toContain('6.2 of 10 requests/s sampled -> 16,293,600 traces/month x 10 spans = 162,936,000 spans/month; $81.47/month at $5.00 per 1 million traces recorded (before the free tier)');
    expect(stdout).toContain('traces recorded $5.00 per 1 million after 100,000 free per month; traces retrieved or scanned $0.50 per 1 million after 1,000,000 free');
  });
});

describe('an app without the library', () => {
  const losses = () => {
    const [stack] = jsonReport(plainAssembly).stacks;
    const short = (id?: string) => id?.replace(/(?:[0-9A-F]{8})+$/, '');
    return stack.losses.map((l) => [l.kind, short(l.node), l.edge ? `${short(l.edge.from)} -> ${short(l.edge.to)}` : undefined]);
  };

  test('reports each loss of trace context', () => {
    expect(losses()).toEqual([
      ['untraced-function', 'Handler', undefined],
      ['no-opentelemetry-layer', 'Handler', undefined],
      ['untraced-function', 'Worker', undefined],
      ['no-opentelemetry-layer', 'Worker', undefined],
      ['untraced-function', 'Reporter', undefined],
      ['no-opentelemetry-layer', 'Reporter', undefined],
      ['no-opentelemetry-layer', 'Sweeper', undefined],
      ['state-machine-untraced', 'Flow', undefined],
      ['api-stage-untraced', 'PlainApiDeploymentStageprod', undefined],
      ['topic-untraced', 'Events', undefined],
      ['queue-consumer-without-layer', 'Worker', 'Jobs -> Worker'],
      ['eventbridge-input-drops-carrier', 'OnOrder', 'default-event-bus -> Worker'],
      ['sns-raw-delivery-off', 'InboxPlainAppEvents', 'Events -> Inbox'],
    ]);
  });

  test('says why each is lost', () => {
    const [stack] = jsonReport(plainAssembly).stacks;
    const reason = (kind: string, node: string) => stack.losses.find((l) => l.kind === kind && l.node.startsWith(node))!.reason;
    expect(reason('untraced-function', 'Handler')).toMatch(/^no TracingConfig \(PassThrough\): its callers \(PlainApiDeploymentStageprod\w+\) send no sampled trace header$/);
    expect(reason('untraced-function', 'Reporter')).toMatch(/its callers \(Nightly\w+\) send no sampled trace header/);
    expect(reason('no-opentelemetry-layer', 'Sweeper')).toContain('no AWS OpenTelemetry layer');
    expect(reason('queue-consumer-without-layer', 'Worker')).toContain('traceparent/tracestate message attributes producers write are never read');
    expect(reason('sns-raw-delivery-off', 'Inbox')).toContain("no RawMessageDelivery 'true'");
    expect(reason('eventbridge-input-drops-carrier', 'OnOrder')).toMatch(/target Target0: the InputTransformer template does not carry detail\._trace/);
    expect(reason('api-stage-untraced', 'PlainApi')).toMatch(/^TracingEnabled: not set: API Gateway records no segment/);
    expect(reason('state-machine-untraced', 'Flow')).toMatch(/^TracingConfiguration\.Enabled: not set/);
    expect(reason('topic-untraced', 'Events')).toMatch(/^TracingConfig: not set/);
  });

  test('finds the hops from templates alone', () => {
    const [stack] = jsonReport(plainAssembly).stacks;
    expect(hops(stack)).toEqual([
      'Events -> Inbox',
      'Handler -> Events',
      'Handler -> Jobs',
      'Jobs -> Worker',
      'Nightly -> Reporter',
      'PlainApiDeploymentStageprod -> Handler',
      'default-event-bus -> Worker',
    ]);
    expect(stack.edges.find((e) => e.from.startsWith('Handler') && e.to.startsWith('Jobs'))!.detail).toEqual(['JOBS_QUEUE_URL, sqs:SendMessage']);
    expect(stack.nodes.find((n) => n.id.startsWith('Nightly'))).toMatchObject({ kind: 'schedule', schedule: 'rate(5 minutes)' });
  });

  test('samples roots by who decides there: Lambda\'s default, a schedule\'s own rate, or nothing', () => {
    const [stack] = jsonReport(plainAssembly, '--rps', '10').stacks;
    const root = (prefix: string) => stack.roots.find((r) => r.node.startsWith(prefix))!;
    expect(stack.roots.map((r) => r.node.replace(/[0-9A-F]{8}$/, ''))).toEqual(['Sweeper', 'Flow', 'PlainApiDeploymentStageprod', 'default-event-bus', 'Nightly']);
    // Lambda's default: the first request each second, then 5 % of the other 9.
    expect(root('Sweeper').estimate).toEqual({
      requestsPerSecond: 10, sampledPerSecond: 1.45, tracesPerMonth: 3_810_600, spansPerTrace: 1, spansPerMonth: 3_810_600, recordedCostUsd: 19.05,
    });
    expect(root('Sweeper').sampling).toMatchObject({ decidedBy: 'lambda-default', rules: [{ rule: 'LambdaRule', applied: false }, { rule: 'Default', applied: true }] });
    expect(root('Nightly').estimate.requestsPerSecond).toBeCloseTo(1 / 300);
    expect(root('Nightly').sampling.decidedBy).toBe('none');
    expect(root('PlainApi').sampling.decidedBy).toBe('none');
    expect(root('PlainApi').estimate.tracesPerMonth).toBe(0);
  });
});

describe('assemblies of any shape', () => {
  test('reads stages and nested stacks, and leaves out functions that only run at deployment', () => {
    const outdir = path.join(workDir, 'staged.out');
    const app = new App({ outdir });
    const service = new Stack(new Stage(app, 'Prod'), 'Service');
    const inner = new NestedStack(service, 'Inner');
    const consumer = new lambda.Function(inner, 'Consumer', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'), tracing: lambda.Tracing.ACTIVE });
    consumer.addEventSource(new SqsEventSource(new sqs.Queue(inner, 'Work')));
    new s3.Bucket(service, 'Uploads', { autoDeleteObjects: true, removalPolicy: RemovalPolicy.DESTROY });
    app.synth();

    const report = jsonReport(outdir);
    expect(report.stacks.map((s) => [s.name, s.templateFile])).toEqual([
      ['Prod/Service', expect.stringMatching(/^assembly-Prod\/ProdService\w+\.template\.json$/)],
      [expect.stringMatching(/^Prod\/Service\/InnerNestedStack/), expect.stringMatching(/^assembly-Prod\/ProdServiceInner\w+\.nested\.template\.json$/)],
    ]);
    expect(report.stacks[0].nodes).toEqual([]);
    expect(hops(report.stacks[1])).toEqual(['Work -> Consumer']);
    // Messages from outside the app: the consumer starts the traces, with Lambda's default.
    expect(report.stacks[1].roots.map((r) => [r.node.replace(/[0-9A-F]{8}$/, ''), r.sampling.decidedBy])).toEqual([['Work', 'lambda-default']]);
  });
});

describe('--json', () => {
  test('is one document with the stable schema', () => {
    const report = jsonReport(plainAssembly);
    expect(Object.keys(report).sort()).toEqual(['assembly', 'notes', 'prices', 'requestsPerSecond', 'stacks', 'totals', 'version']);
    expect(report.version).toBe(1);
    for (const stack of report.stacks) expect(Object.keys(stack).sort()).toEqual(['dashboards', 'edges', 'losses', 'name', 'nodes', 'roots', 'templateFile']);
    const [stack] = report.stacks;
    expect(Object.keys(stack.roots[0]).sort()).toEqual(['estimate', 'node', 'sampling']);
    expect(report.prices.source).toMatch(/^https:\/\/aws\.amazon\.com\/xray\/pricing\/ \(checked \d{4}-\d{2}-\d{2}\)$/);
  });
});

describe('--preview', () => {
  const previewDir = path.join(workDir, 'preview');

  test('writes one well-formed SVG per dashboard with its widgets', () => {
    const report = jsonReport(plainAssembly, '--preview', previewDir);
    jsonReport(exampleAssembly, '--preview', previewDir);
    const files = fs.readdirSync(previewDir).sort();
    expect(files).toEqual([expect.stringMatching(/^OrderPipeline-Dashboard\w+\.svg$/), expect.stringMatching(/^PlainApp-Ops\w+\.svg$/)]);
    expect(report.stacks[0].dashboards[0].file).toBe(path.join(previewDir, files[1]));
    childProcess.execFileSync('python3', ['-c', 'import sys, xml.dom.minidom\nfor f in sys.argv[1:]: xml.dom.minidom.parse(f)', ...files.map((f) => path.join(previewDir, f))]);

    const plain = fs.readFileSync(path.join(previewDir, files[1]), 'utf8');
    expect(plain).toContain('>Jobs &lt;depth&gt; &amp; &quot;age&quot;</text>');
    expect(plain).toMatch(/>AWS\/SQS\/ApproximateNumberOfMessagesVisible \$\{Jobs\w+\.QueueName\}<\/text>/);
    expect(plain).toContain('># Plain &amp; simple</text>');
    expect(plain).toMatch(/>SOURCE &apos;\$\{AppLogs\w+\}&apos; \| fields @timestamp, @message<\/text>/);
    // 24 columns of 40 px: the graph takes the left half, the text the right half, the log widget the next row.
    expect(plain).toMatch(/<rect x="18" y="50" width="476" height="164"/);
    expect(plain).toMatch(/<rect x="498" y="50" width="476" height="52"/);
    expect(plain).toMatch(/<rect x="18" y="218" width="956" height="164"/);

    const example = fs.readFileSync(path.join(previewDir, files[0]), 'utf8');
    for (const title of ['Traces per X-Ray group', 'Invocations, all traced functions', 'Service health (composite alarms)', 'Recent errors and their traces']) {
      expect(example).toContain(`>${title}</text>`);
    }
  });
});

describe('errors', () => {
  test.each([
    [['report', '--rps', 'abc'], '--rps "abc" is not allowed: give a number of requests per second greater than 0'],
    [['report', '--rps', '0'], '--rps "0" is not allowed'],
    [['report', '--rps=-5'], '--rps "-5" is not allowed'],
    [['report', '--rps'], '--rps needs a value: a number of requests per second greater than 0'],
    [['report', '--preview'], '--preview needs a value'],
    [['report', '--verbose'], 'unknown option "--verbose": the options are --json, --rps N, --preview DIR and --help'],
    [['report', '--json=yes'], '--json takes no value (got "yes")'],
    [['report', 'a', 'b'], 'one cloud assembly directory at most, got 2: a, b'],
    [['publish'], 'unknown command "publish": the only command is "report"'],
    [[], 'missing command'],
  ])('%j exits 2 naming the problem', (argv, message) => {
    const result = run(...argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: cdk-serverless-tracing report');
  });

  test('a --preview that is a file exits 2', () => {
    const file = path.join(workDir, 'not-a-directory');
    fs.writeFileSync(file, '');
    const result = run('report', plainAssembly, '--preview', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--preview "${file}" is not allowed: it is a file, give a directory`);
  });

  test('a missing assembly exits 2', () => {
    const missing = path.join(workDir, 'nothing-here');
    expect(run('report', missing)).toEqual({ code: 2, stdout: '', stderr: `cdk-serverless-tracing: cloud assembly not found: ${missing} does not exist (synthesize the app first, e.g. npx cdk synth)\n` });
  });

  test('a directory without a manifest, or with a broken one, exits 2', () => {
    const empty = fs.mkdtempSync(path.join(workDir, 'empty-'));
    expect(run('report', empty)).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a cloud assembly: it has no manifest.json') });
    fs.writeFileSync(path.join(empty, 'manifest.json'), '{ "artifacts": ');
    expect(run('report', empty)).toMatchObject({ code: 2, stderr: expect.stringMatching(/manifest\.json is not valid JSON: /) });
  });

  test('--help prints the usage and exits 0', () => {
    expect(run('report', '--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('--rps N') });
  });
});

describe('as a program', () => {
  const compiled = path.join(__dirname, '..', 'lib', 'cli', 'main.js');
  const command = fs.existsSync(compiled)
    ? { file: process.execPath, args: [compiled], env: process.env }
    : { file: process.execPath, args: ['-r', 'ts-node/register', path.join(__dirname, '..', 'src', 'cli', 'main.ts')], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } };

  test('prints the JSON report and exits 0, or exits 2 without a stack trace', () => {
    const ok = childProcess.spawnSync(command.file, [...command.args, 'report', plainAssembly, '--json'], { env: command.env, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).stacks[0].name).toBe('PlainApp');

    const missing = childProcess.spawnSync(command.file, [...command.args, 'report', path.join(workDir, 'absent')], { env: command.env, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^cdk-serverless-tracing: cloud assembly not found: /);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
