import { CloudFormationTemplate, isObject, renderText } from './template-values';

/** What X-Ray matches rules against: one kind of request arriving at a root. */
export interface SampledRequest {
  readonly serviceName: string;
  readonly serviceType: string;
  readonly host: string;
  readonly httpMethod: string;
  readonly urlPath: string;
  readonly resourceArn: string;
}

/** An X-Ray sampling rule as a template declares it, with token parts shown as `${LogicalId}`: the request
 * fields it matches (wildcards allowed), plus its own. */
export interface SamplingRuleRecord extends SampledRequest {
  /** The rule's logical id, or `Default` for X-Ray's default rule. */
  readonly id: string;
  /** The stack declaring it; empty for the default rule. */
  readonly stack: string;
  readonly name: string;
  readonly priority: number;
  readonly fixedRate: number;
  readonly reservoirSize: number;
}

/** X-Ray's default rule, which every account has and no template declares: 1 request per second, then 5 %. */
export const DEFAULT_SAMPLING_RULE: SamplingRuleRecord = {
  id: 'Default',
  stack: '',
  name: 'Default',
  priority: 10000,
  fixedRate: 0.05,
  reservoirSize: 1,
  serviceName: '*',
  serviceType: '*',
  host: '*',
  httpMethod: '*',
  urlPath: '*',
  resourceArn: '*',
};

/** The sampling rules of a template; rules whose priority, rate or reservoir are not literal numbers are skipped, by id. */
export function samplingRulesOf(stack: string, template: CloudFormationTemplate): { rules: SamplingRuleRecord[]; unreadable: string[] } {
  const rules: SamplingRuleRecord[] = [];
  const unreadable: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::XRay::SamplingRule') continue;
    const properties = resource.Properties ?? {};
    const record = properties.SamplingRuleRecord;
    const rule = [properties.SamplingRule, properties.SamplingRuleUpdate, isObject(record) ? record.SamplingRule : undefined].find(isObject);
    const numbers = rule ? [rule.Priority, rule.FixedRate, rule.ReservoirSize].map(Number) : [];
    if (!rule || numbers.length !== 3 || numbers.some((n) => !Number.isFinite(n))) {
      unreadable.push(id);
      continue;
    }
    const text = (value: unknown) => value === undefined ? '*' : renderText(value, template, { physicalNames: true });
    rules.push({
      id,
      stack,
      name: text(rule.RuleName ?? properties.RuleName ?? id),
      priority: numbers[0],
      fixedRate: numbers[1],
      reservoirSize: numbers[2],
      serviceName: text(rule.ServiceName),
      serviceType: text(rule.ServiceType),
      host: text(rule.Host),
      httpMethod: text(rule.HTTPMethod),
      urlPath: text(rule.URLPath),
      resourceArn: text(rule.ResourceARN),
    });
  }
  return { rules, unreadable };
}

/**
 * Whether some request could match both the rule and the request description: every field's patterns
 * (`*` and `?`, with anything only known at deployment treated as `*`) must overlap.
 */
export function couldMatch(rule: SamplingRuleRecord, request: SampledRequest): boolean {
  return globsIntersect(rule.serviceName, request.serviceName)
    && globsIntersect(rule.serviceType, request.serviceType)
    && globsIntersect(rule.host, request.host)
    && globsIntersect(rule.httpMethod.toUpperCase(), request.httpMethod.toUpperCase())
    && globsIntersect(rule.urlPath, request.urlPath)
    && globsIntersect(rule.resourceArn, request.resourceArn);
}

/** Rules in X-Ray's evaluation order: ascending priority, then name. */
export function byPriority(a: SamplingRuleRecord, b: SamplingRuleRecord): number {
  return a.priority - b.priority || a.name.localeCompare(b.name);
}

/** Whether two wildcard patterns (`*` any run, `?` one character) accept a common string. */
export function globsIntersect(left: string, right: string): boolean {
  const a = tokenPattern(left);
  const b = tokenPattern(right);
  const memo = new Map<number, boolean>();
  const overlap = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') result = overlap(i + 1, j) || (j < b.length && overlap(i, j + 1));
    else if (j < b.length && b[j] === '*') result = overlap(i, j + 1) || (i < a.length && overlap(i + 1, j));
    else result = i < a.length && j < b.length && (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && overlap(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return overlap(0, 0);
}

/** The pattern's characters, with `${...}` deploy-time parts as `*` and runs of `*` collapsed. */
function tokenPattern(pattern: string): string[] {
  return [...pattern.replace(/\$\{[^}]*\}/g, '*').replace(/\*+/g, '*')];
}
