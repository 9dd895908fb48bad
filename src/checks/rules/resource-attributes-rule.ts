import * as lambda from 'aws-cdk-lib/aws-lambda';
import { member } from './cfn-values';
import { TracingCheckDefinition, TracingCheckResult, tracingCheckId } from '../tracing-check-rule';

/**
 * Attribute keys that name a person, a session or a single request. Matched on whole segments of the
 * lower-cased key (segments split on `.`, `_` and `-`), so `service.name` or `cloud.account.id` never match.
 */
const PERSONAL_OR_PER_REQUEST_KEY = new RegExp('(^|[._-])(' + [
  'e-?mail', 'phone', 'ssn',
  '(end)?user', 'username', 'userid', 'customer', 'customerid', 'session', 'sessionid',
  'ip', 'ipaddress', 'client[._-]address', 'requestid', 'request[._-]id', 'correlationid', 'correlation[._-]id',
].join('|') + ')($|[._-])');
const EMAIL_VALUE = /[^\s@]+@[^\s@]+\.[^\s@]+/;
const UUID_VALUE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** Keys whose value is meant to be a unique id (OpenTelemetry semantic conventions). */
const UUID_KEYS = new Set(['service.instance.id']);

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The `key=value` pairs of an OTEL_RESOURCE_ATTRIBUTES value (W3C Baggage format: values may be percent-encoded). */
function resourceAttributes(value: string): Array<[string, string]> {
  return value.split(',').filter((pair) => pair.trim() !== '').map((pair) => {
    const at = pair.indexOf('=');
    return at < 0 ? [pair.trim(), ''] : [pair.slice(0, at).trim(), decoded(pair.slice(at + 1).trim())];
  });
}

function isPersonalOrPerRequest([key, value]: [string, string]): boolean {
  return PERSONAL_OR_PER_REQUEST_KEY.test(key.toLowerCase()) || EMAIL_VALUE.test(value) || (UUID_VALUE.test(value) && !UUID_KEYS.has(key));
}

export const RESOURCE_ATTRIBUTES_PERSONAL_DATA: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('ResourceAttributesPersonalData'),
    name: 'OTEL_RESOURCE_ATTRIBUTES with personal data or a per-request id',
    explanation: 'Resource attributes are copied onto every span the function exports and are indexed by trace backends: ' +
      'an email address, user, customer, session, IP address or request id there is personal data kept with every trace, ' +
      'and a unique value per deployment multiplies the series that group by it.',
    fix: 'Keep OTEL_RESOURCE_ATTRIBUTES to low-cardinality facts about the service (service.version, deployment.environment); ' +
      'put per-request values on the span in the handler instead, and leave personal data out of traces or hash it.',
  },
  evaluate: (resource, stack) => {
    if (!(resource instanceof lambda.CfnFunction)) return TracingCheckResult.NOT_APPLICABLE;
    const variables = member(stack, resource.environment, 'variables');
    const value = stack.resolve(member(stack, variables, 'OTEL_RESOURCE_ATTRIBUTES'));
    if (typeof value !== 'string') return TracingCheckResult.NOT_APPLICABLE;
    return resourceAttributes(value).some(isPersonalOrPerRequest) ? TracingCheckResult.NON_COMPLIANT : TracingCheckResult.COMPLIANT;
  },
};
