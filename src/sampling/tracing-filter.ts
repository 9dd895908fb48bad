import { Token, Tokenization } from 'aws-cdk-lib';

/**
 * An X-Ray filter expression: `TracingFilter.allOf(TracingFilter.fault(), TracingFilter.service('charge'))`.
 */
export class TracingFilter {
  /** Traces through a service (`service("name")`). */
  public static service(name: string): TracingFilter {
    if (!Token.isUnresolved(name) && name.length === 0) throw new Error('service: the service name must not be empty');
    return new TracingFilter(`service(${quote(name)})`);
  }

  /** Traces with a fault: a 5xx or an unhandled error (`fault = true`). */
  public static fault(): TracingFilter {
    return new TracingFilter('fault = true');
  }

  /**
   * Traces with a client error: a 4xx (`error = true`). Not named `error`, a reserved word in Go.
   */
  public static clientError(): TracingFilter {
    return new TracingFilter('error = true');
  }

  /**
   * Traces slower than `seconds` (`responsetime > seconds`). A deploy-time value goes into the group's
   * `FilterExpression` as a reference, unchecked.
   */
  public static responseTimeOver(seconds: number): TracingFilter {
    if (!Token.isUnresolved(seconds) && (!Number.isFinite(seconds) || seconds <= 0)) {
      throw new Error(`responseTimeOver: ${seconds} is not allowed; use a number of seconds above 0`);
    }
    return new TracingFilter(`responsetime > ${Tokenization.stringifyNumber(seconds)}`);
  }

  /** Traces whose segments carry an annotation with this value (`annotation.key = value`). */
  public static annotation(key: string, value: string | number | boolean): TracingFilter {
    if (!Token.isUnresolved(key) && !/^[A-Za-z0-9_]{1,500}$/.test(key)) {
      throw new Error(`annotation: key '${key}' is not allowed; X-Ray annotation keys are letters, digits and '_'`);
    }
    const literal = typeof value === 'string' ? quote(value) : typeof value === 'number' ? Tokenization.stringifyNumber(value) : String(value);
    return new TracingFilter(`annotation.${key} = ${literal}`);
  }

  /** An expression written in the X-Ray filter language, used as given. */
  public static raw(expression: string): TracingFilter {
    if (!Token.isUnresolved(expression) && expression.trim().length === 0) throw new Error('raw: the filter expression must not be empty');
    return new TracingFilter(expression);
  }

  /**
   * Traces matching every one of `filters` (`(a) AND (b) ...`). Named so it reads the same in every jsii
   * language: `and`/`or` are reserved in Python and would become `and_`/`or_`.
   */
  public static allOf(...filters: TracingFilter[]): TracingFilter {
    return TracingFilter.combine('allOf', 'AND', filters);
  }

  /** Traces matching at least one of `filters` (`(a) OR (b) ...`). */
  public static anyOf(...filters: TracingFilter[]): TracingFilter {
    return TracingFilter.combine('anyOf', 'OR', filters);
  }

  private static combine(method: string, operator: string, filters: TracingFilter[]): TracingFilter {
    if (filters.length === 0) throw new Error(`${method}: no filters given; pass at least one`);
    if (filters.length === 1) return filters[0];
    return new TracingFilter(filters.map((f) => `(${f.expression})`).join(` ${operator} `));
  }

  private constructor(
    /** The filter expression. */
    public readonly expression: string,
  ) {}

}

function quote(value: string): string {
  return Token.isUnresolved(value) ? `"${value}"` : JSON.stringify(value);
}
