import { Token, Tokenization } from 'aws-cdk-lib';

/**
 * An X-Ray filter expression, built fluently: `TracingFilter.fault().and(TracingFilter.service('charge'))`.
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

  /** Traces with an error: a 4xx (`error = true`). */
  public static error(): TracingFilter {
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

  private constructor(
    /** The filter expression. */
    public readonly expression: string,
  ) {}

  /** Traces matching this filter and all of `others`. */
  public and(...others: TracingFilter[]): TracingFilter {
    return this.combine('AND', others);
  }

  /** Traces matching this filter or any of `others`. */
  public or(...others: TracingFilter[]): TracingFilter {
    return this.combine('OR', others);
  }

  private combine(operator: string, others: TracingFilter[]): TracingFilter {
    if (others.length === 0) return this;
    return new TracingFilter([this, ...others].map((f) => `(${f.expression})`).join(` ${operator} `));
  }
}

function quote(value: string): string {
  return Token.isUnresolved(value) ? `"${value}"` : JSON.stringify(value);
}
