import { Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** The OTLP wire protocol. */
export enum OtlpProtocol {
  /** Protobuf over HTTP (what most backends and the OpenTelemetry Collector take). */
  HTTP_PROTOBUF = 'http/protobuf',
  /** JSON over HTTP. */
  HTTP_JSON = 'http/json',
  /** gRPC. */
  GRPC = 'grpc',
}

/**
 * Options of `TraceExporter.otlp`.
 */
export interface OtlpExporterOptions {
  /** The OTLP traces endpoint, e.g. `https://api.honeycomb.io/v1/traces` or a Collector gateway's URL. */
  readonly endpoint: string;
  /**
   * The wire protocol.
   * @default OtlpProtocol.HTTP_PROTOBUF
   */
  readonly protocol?: OtlpProtocol;
  /**
   * A secret whose value is the headers to send, in OpenTelemetry's `key1=value1,key2=value2` form (API
   * keys, tenant ids). It reaches the function as a CloudFormation dynamic reference, resolved at deploy
   * time: the template never holds the value.
   * @default - no headers
   */
  readonly headersSecret?: secretsmanager.ISecret;
  /**
   * The JSON field of `headersSecret` that holds the headers, when the secret is a JSON document.
   * @default - the whole secret string
   */
  readonly headersSecretJsonField?: string;
  /**
   * Allow an `http://` endpoint (a Collector inside the VPC, say). Spans and headers then travel unencrypted.
   * @default false
   */
  readonly allowInsecureEndpoint?: boolean;
}

/** Query parameter names that hold a secret, matched whole: api_key, x-api-key, access_token, token, signature... */
const SECRET_PARAMETER = /^(x-)?(api[-_]?key|(access[-_]?)?token|secret|passw(or)?d|sig(nature)?|auth(orization)?|credentials?|private[-_]?key)$/i;

/**
 * What in a literal URL would put a secret into the template: its user or password, or the name of a query
 * parameter that holds one; undefined when there is none or `endpoint` is not a URL.
 */
export function credentialsInEndpoint(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return 'credentials in the URL';
  const parameter = [...url.searchParams.keys()].find((key) => SECRET_PARAMETER.test(key));
  return parameter === undefined ? undefined : `the query parameter '${parameter}'`;
}

/** The URL without the values of its credentials and query parameters, for an error message. */
function redacted(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.username) copy.username = '***';
  if (copy.password) copy.password = '***';
  for (const key of [...copy.searchParams.keys()]) copy.searchParams.set(key, '***');
  return copy.toString().replace(/%2A%2A%2A/g, '***');
}

/**
 * Where a traced function's spans go. Lambda's own X-Ray segments (active tracing) go to X-Ray whatever is
 * chosen here.
 */
export class TraceExporter {
  /** X-Ray, through the Lambda X-Ray daemon: what the AWS distro does by default. */
  public static xray(): TraceExporter {
    return new TraceExporter();
  }

  /**
   * OTLP to another backend (Jaeger, Grafana Tempo, Honeycomb, an OpenTelemetry Collector gateway)
   * instead of X-Ray: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `_PROTOCOL` and `_HEADERS`.
   */
  public static otlp(options: OtlpExporterOptions): TraceExporter {
    const endpoint = options.endpoint;
    if (!Token.isUnresolved(endpoint)) {
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        throw new Error(`exporter: endpoint '${endpoint}' is not a URL`);
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowInsecureEndpoint)) {
        throw new Error(`exporter: endpoint '${endpoint}' must use https (set allowInsecureEndpoint for an http endpoint you trust)`);
      }
      // The endpoint is written in clear into the template, tree.json and the function's configuration.
      const where = credentialsInEndpoint(endpoint);
      if (where !== undefined) {
        throw new Error(`exporter: endpoint '${redacted(url)}' carries ${where}, which would be written in clear into the template; put them in a Secrets Manager secret and pass it as headersSecret`);
      }
    }
    if (options.headersSecretJsonField !== undefined && !options.headersSecret) {
      throw new Error('exporter: headersSecretJsonField needs headersSecret');
    }
    return new TraceExporter(options);
  }

  private constructor(
    /** The OTLP options, for an OTLP exporter. */
    public readonly otlpOptions?: OtlpExporterOptions,
  ) {}

  /**
   * The environment this exporter sets; none for X-Ray.
   * @internal
   */
  public _environment(): Record<string, string> {
    const options = this.otlpOptions;
    if (!options) return {};
    const environment: Record<string, string> = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: options.endpoint,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: options.protocol ?? OtlpProtocol.HTTP_PROTOBUF,
    };
    if (options.headersSecret) {
      const value = options.headersSecretJsonField === undefined
        ? options.headersSecret.secretValue
        : options.headersSecret.secretValueFromJson(options.headersSecretJsonField);
      // A {{resolve:secretsmanager:...}} dynamic reference: CloudFormation resolves it at deploy time.
      environment.OTEL_EXPORTER_OTLP_TRACES_HEADERS = value.unsafeUnwrap();
    }
    return environment;
  }
}
