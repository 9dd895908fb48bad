import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { inlineFunctionProps, regionalStack } from './helpers';
import { FunctionTracing, OpenTelemetryLayer, OtlpProtocol, TracedFunction, TraceExporter, TracingRegistry } from '../src';

describe('exporter', () => {
  test('X-Ray by default: no OTLP settings', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'F', { ...inlineFunctionProps(), exporter: TraceExporter.xray() });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Match.absent() }) },
    });
  });

  test('OTLP sends spans to another backend, with headers as a dynamic reference to a secret', () => {
    const stack = regionalStack();
    const secret = new secretsmanager.Secret(stack, 'HoneycombKey');
    new TracedFunction(stack, 'F', {
      ...inlineFunctionProps(),
      exporter: TraceExporter.otlp({ endpoint: 'https://api.honeycomb.io/v1/traces', headersSecret: secret, headersSecretJsonField: 'headers' }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://api.honeycomb.io/v1/traces',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: Match.stringLikeRegexp('^HoneycombKey') }, ':SecretString:headers::}}']] },
        }),
      },
    });
  });

  test('gRPC to a Collector in the VPC over http, when explicitly allowed', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'F', {
      ...inlineFunctionProps(),
      exporter: TraceExporter.otlp({ endpoint: 'http://collector.internal:4317', protocol: OtlpProtocol.GRPC, allowInsecureEndpoint: true }),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector.internal:4317', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }) },
    });
  });

  test.each([
    ['an http endpoint', () => TraceExporter.otlp({ endpoint: 'http://tempo.example.com/v1/traces' }), /^exporter: endpoint 'http:\/\/tempo.example.com\/v1\/traces' must use https/],
    ['a non-URL endpoint', () => TraceExporter.otlp({ endpoint: 'tempo:4318' }), /^exporter: endpoint 'tempo:4318'/],
    ['a JSON field without a secret', () => TraceExporter.otlp({ endpoint: 'https://x.example.com', headersSecretJsonField: 'h' }), /^exporter: headersSecretJsonField needs headersSecret/],
  ])('refuses %s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  test('refuses OTLP without the distro, and a contradicting endpoint in the environment', () => {
    const otlp = TraceExporter.otlp({ endpoint: 'https://x.example.com/v1/traces' });
    expect(() => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.none(), exporter: otlp }))
      .toThrow(/^exporter: an OTLP exporter needs the AWS distro layer .*, not NONE/);
    expect(() => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), exporter: otlp, environment: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://y.example.com' } }))
      .toThrow(/^exporter: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='https:\/\/y.example.com' is already set on 'TestStack\/F' and contradicts the exporter/);
    expect(() => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), exporter: otlp, environment: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' } }))
      .toThrow(/^exporter: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL='grpc' is already set/);
  });

  test('refuses http/json for Python', () => {
    expect(() => new TracedFunction(regionalStack(), 'F', {
      ...inlineFunctionProps(lambda.Runtime.PYTHON_3_13),
      exporter: TraceExporter.otlp({ endpoint: 'https://x.example.com/v1/traces', protocol: OtlpProtocol.HTTP_JSON }),
    })).toThrow(/^exporter: protocol http\/json is not supported by the Python OpenTelemetry SDK/);
  });

  test('instrumenting again with another sampler or exporter is an error, not silently ignored', () => {
    const fn = new lambda.Function(regionalStack(), 'Existing', inlineFunctionProps());
    FunctionTracing.instrument(fn);
    expect(() => FunctionTracing.instrument(fn, { samplingRatio: 0.1, exporter: TraceExporter.otlp({ endpoint: 'https://x.example.com/v1/traces' }) }))
      .toThrow(/^samplingRatio: 0.1 \(traced with the layer's sampler\); exporter: https:\/\/x.example.com\/v1\/traces \(traced with X-Ray\)/);
    expect(FunctionTracing.instrument(fn, { exporter: TraceExporter.xray() })).toBe(TracingRegistry.of(fn).findFunction(fn));
  });
});

describe('OTLP credentials are never written in clear', () => {
  test.each([
    ['user and password in the URL', 'https://user:s3cret@otlp.example.com/v1/traces', /^exporter: endpoint 'https:\/\/\*\*\*:\*\*\*@otlp.example.com\/v1\/traces' carries credentials in the URL, which would be written in clear into the template; put them in a Secrets Manager secret and pass it as headersSecret/],
    ['an api_key query parameter', 'https://otlp.example.com/v1/traces?api_key=abc123', /^exporter: endpoint 'https:\/\/otlp.example.com\/v1\/traces\?api_key=\*\*\*' carries the query parameter 'api_key'/],
    ['a token query parameter', 'https://otlp.example.com/v1/traces?region=eu&Token=abc', /carries the query parameter 'Token'/],
  ])('refuses an endpoint with %s, without repeating the secret', (_name, endpoint, message) => {
    let error: Error | undefined;
    try {
      TraceExporter.otlp({ endpoint });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toMatch(/s3cret|abc123|=abc\b/);
  });

  test('accepts an endpoint with harmless query parameters, even ones that contain a secret-like word', () => {
    for (const query of ['dataset=orders', 'signal=traces', 'design=1', 'author=x']) {
      expect(() => TraceExporter.otlp({ endpoint: `https://otlp.example.com/v1/traces?${query}` })).not.toThrow();
    }
  });

  test('refuses credentials in an endpoint set directly in the environment', () => {
    for (const key of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
      expect(() => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), environment: { [key]: 'https://u:p@otlp.example.com' } }))
        .toThrow(new RegExp(`^environment: ${key} on 'TestStack/F' carries credentials in the URL`));
    }
  });

  test('accepts headers that embed a dynamic reference', () => {
    const stack = regionalStack();
    const key = secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'honeycomb-key');
    new TracedFunction(stack, 'F', { ...inlineFunctionProps(), environment: { OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${key.secretValue.unsafeUnwrap()}` } });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test.each(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'])('refuses a literal %s in a traced function\'s environment', (key) => {
    const stack = regionalStack();
    expect(() => new TracedFunction(stack, 'F', { ...inlineFunctionProps(), environment: { [key]: 'x-honeycomb-team=abc' } }))
      .toThrow(new RegExp(`^environment: ${key} on 'TestStack/F' is a literal value, which would be written in clear into the template`));
    const plain = new lambda.Function(stack, 'Plain', { ...inlineFunctionProps(), environment: { [key]: 'x-api-key=abc' } });
    expect(() => FunctionTracing.instrument(plain)).toThrow(new RegExp(`^environment: ${key} on 'TestStack/Plain' is a literal value`));
  });

  test('accepts a dynamic reference, and refuses a literal added after tracing at synthesis', () => {
    const stack = regionalStack();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'otlp-headers');
    new TracedFunction(stack, 'Ref', { ...inlineFunctionProps(), environment: { OTEL_EXPORTER_OTLP_HEADERS: secret.secretValue.unsafeUnwrap() } });
    const [traced] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(JSON.stringify(traced.Properties.Environment.Variables.OTEL_EXPORTER_OTLP_HEADERS)).toContain('{{resolve:secretsmanager:');
    const later = regionalStack();
    const fn = new TracedFunction(later, 'F', inlineFunctionProps());
    fn.addEnvironment('OTEL_EXPORTER_OTLP_HEADERS', 'x-api-key=abc');
    expect(() => Template.fromStack(later)).toThrow(/OTEL_EXPORTER_OTLP_HEADERS was set to a literal value after the function was traced/);
  });
});
