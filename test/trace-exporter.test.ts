import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { inlineFunctionProps, regionalStack } from './helpers';
import { OpenTelemetryLayer, OtlpProtocol, TracedFunction, TraceExporter } from '../src';

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
      .toThrow(/^exporter: endpoint 'https:\/\/x.example.com\/v1\/traces' contradicts OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='https:\/\/y.example.com'/);
  });
});
