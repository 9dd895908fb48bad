import { IFragmentConcatenator, IPostProcessor, IResolvable, IResolveContext, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** A deploy-time value inside a JSON string of the body: resolved again at every resolution. */
class TokenPart {
  constructor(public readonly token: IResolvable) {}
}

/** What the one-time resolution keeps for every later one. */
abstract class Kept {}

/** A JSON string that holds deploy-time values: literal text and tokens, in order. */
class KeptString extends Kept {
  constructor(public readonly parts: (string | TokenPart)[]) {
    super();
  }
}

/** A deploy-time number: `Stack.toJsonString` writes what it resolves to unquoted. */
class KeptNumber extends Kept {
  constructor(public readonly token: IResolvable) {
    super();
  }
}

/** A token in a value's place that resolves to a CloudFormation function: `Stack.toJsonString` writes it as a string. */
class KeptValue extends Kept {
  constructor(public readonly token: IResolvable) {
    super();
  }
}

/** Joins string fragments into a `KeptString`, keeping each token for later. */
const KEEP_TOKENS: IFragmentConcatenator = {
  join(left: unknown, right: unknown): unknown {
    const parts = (x: unknown): (string | TokenPart)[] => (x instanceof KeptString ? x.parts : x === undefined ? [] : [x as string | TokenPart]);
    return new KeptString([...parts(left), ...parts(right)]);
  },
};

function isIntrinsic(x: unknown): boolean {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const keys = Object.keys(x);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/**
 * Resolves the widgets' JSON once, except for deploy-time values (names, ARNs, the Region, parameters), which
 * it keeps: structural tokens (aws-cdk-lib's wrappers of a graph's metric rows) are resolved, and a string
 * that is only a token resolving to nothing (a metric's account or Region when it is the dashboard's) is
 * dropped, as `Stack.toJsonString` drops it. What it tries resolves through the context of the body's own
 * resolution, so the references it holds are seen by the app (cross-stack references are exported). A walk
 * of its own rather than `Tokenization.resolve` with a custom resolver: that one costs as much again.
 */
class DeployTimeValueKeeper {
  private readonly tried = new Map<IResolvable, unknown>();

  constructor(private readonly outer: IResolveContext) {}

  public keep(value: unknown): unknown {
    if (typeof value === 'string') return Token.isUnresolved(value) ? this.keepString(value) : value;
    if (typeof value === 'number') return Token.isUnresolved(value) ? new KeptNumber(Tokenization.reverseNumber(value)!) : value;
    if (typeof value !== 'object' || value === null || value instanceof Kept) return value;
    if (Array.isArray(value)) return value.map((item) => this.keep(item)).filter((item) => item !== undefined);
    if (Tokenization.isResolvable(value)) return this.keepToken(value);
    const kept: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const k = this.keep(item);
      if (k !== undefined) kept[key] = k;
    }
    return kept;
  }

  private keepString(value: string): unknown {
    const fragments = Tokenization.reverseString(value);
    if (fragments.length === 1 && fragments.firstToken !== undefined && this.tryResolve(fragments.firstToken) === undefined) return undefined;
    const joined = fragments.mapTokens({ mapToken: (token) => new TokenPart(token) }).join(KEEP_TOKENS);
    return joined instanceof TokenPart ? new KeptString([joined]) : joined;
  }

  private keepToken(token: IResolvable): unknown {
    let postProcessor: IPostProcessor | undefined;
    const context: IResolveContext = {
      scope: this.outer.scope,
      preparing: this.outer.preparing,
      documentPath: this.outer.documentPath,
      registerPostProcessor: (p) => { postProcessor = p; },
      resolve: (x) => this.keep(x),
    };
    const resolved = token.resolve(context);
    if (isIntrinsic(resolved)) return new KeptValue(token);
    const kept = this.keep(resolved);
    return postProcessor ? postProcessor.postProcess(kept, context) : kept;
  }

  /** A name or ARN recurs in many widgets: each token is tried once. */
  private tryResolve(token: IResolvable): unknown {
    if (!this.tried.has(token)) this.tried.set(token, this.outer.resolve(token));
    return this.tried.get(token);
  }
}

/**
 * One piece of the rendered text: JSON text, or a token to resolve at each resolution, written as
 * `Stack.toJsonString` writes it: inside a JSON string (`text`), as a value of its own (`value`), or a number.
 */
type Segment = string | { readonly token: IResolvable; readonly as: 'text' | 'value' | 'number' };

/** JSON text of a string that CloudFormation will read inside a JSON string: quotes and backslashes escaped. */
function quoteString(s: string): string {
  const json = JSON.stringify(s);
  return json.substring(1, json.length - 1);
}

/** The string literals of an intrinsic, escaped for the JSON text it lands in (as `Stack.toJsonString` does). */
function quoteLiterals(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(quoteLiterals);
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [quoteString(k), quoteLiterals(v)]));
  return typeof x === 'string' ? quoteString(x) : x;
}

/** Writes a resolved widget tree as JSON text, with its kept tokens as segments of their own. */
function writeJson(value: unknown, out: Segment[]): void {
  if (value instanceof KeptString) {
    out.push('"');
    for (const part of value.parts) out.push(part instanceof TokenPart ? { token: part.token, as: 'text' } : quoteString(part));
    out.push('"');
  } else if (value instanceof KeptValue || value instanceof KeptNumber) {
    out.push({ token: value.token, as: value instanceof KeptValue ? 'value' : 'number' });
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      writeJson(item, out);
    });
    out.push(']');
  } else if (typeof value === 'object' && value !== null) {
    if (isIntrinsic(value)) {
      // Deploy-time values are kept where a token stands; a token whose value holds one deeper has already
      // been resolved here, which would fix a reference that a later resolution may replace (an import).
      throw new Error(`TracingDashboard: a widget holds a CloudFormation function inside a token's value (${JSON.stringify(value)}), which it cannot render ahead`);
    }
    out.push('{');
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(`${JSON.stringify(key)}:`);
      writeJson(item, out);
    }
    out.push('}');
  } else {
    out.push(JSON.stringify(value));
  }
}

/**
 * A block of widgets laid out as rows in a column (as `Dashboard.addWidgets` lays out each call), added to
 * the dashboard as one widget whose JSON text is written once and only its tokens resolved at each
 * resolution of the body. aws-cdk-lib renders and serializes every widget at each resolution of the body, and
 * a synthesis resolves it three times (references, construct tree, template): for a dashboard of 40 traced
 * functions that is about 130 ms per resolution, the largest single cost of synthesizing a traced stack.
 *
 * The block enters the body through `Stack.toJsonString`, which writes a token of number type unquoted: the
 * block is such a token, resolving to an `Fn::Join` of its widgets' JSON text, which CloudFormation joins into
 * the body's. The template is the one the widgets would give added one by one.
 */
export class RenderedWidgetGroup implements cloudwatch.IWidget {
  public readonly width: number;
  public readonly height: number;
  public readonly warnings: string[];
  public readonly warningsV2: { [id: string]: string };
  private readonly column: cloudwatch.Column;
  private readonly number: number;
  private rendered?: { readonly x: number; readonly y: number; readonly segments: Segment[] };
  private x = 0;
  private y = 0;

  constructor(rows: cloudwatch.IWidget[][]) {
    this.column = new cloudwatch.Column(...rows.map((row) => (row.length > 1 ? new cloudwatch.Row(...row) : row[0])));
    this.width = this.column.width;
    this.height = this.column.height;
    const all = rows.flat();
    this.warnings = all.flatMap((w) => w.warnings ?? []);
    this.warningsV2 = Object.assign({}, ...all.map((w) => w.warningsV2 ?? {}));
    this.number = Token.asNumber({ creationStack: [], resolve: (context: IResolveContext) => this.resolve(context) });
  }

  public position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  public toJson(): any[] {
    return [this.number];
  }

  private resolve(context: IResolveContext): unknown {
    if (this.rendered?.x !== this.x || this.rendered.y !== this.y) {
      this.column.position(this.x, this.y);
      const tree = new DeployTimeValueKeeper(context).keep(this.column.toJson());
      const segments: Segment[] = [];
      (tree as unknown[]).forEach((widget, i) => {
        if (i > 0) segments.push(',');
        writeJson(widget, segments);
      });
      this.rendered = { x: this.x, y: this.y, segments };
    }
    const parts: unknown[] = [];
    let text = '';
    // A name or ARN recurs in many widgets: each token is resolved once per resolution of the body.
    const values = new Map<IResolvable, unknown>();
    for (const segment of this.rendered.segments) {
      if (typeof segment === 'string') {
        text += segment;
        continue;
      }
      if (!values.has(segment.token)) values.set(segment.token, context.resolve(segment.token));
      const value = values.get(segment.token);
      if (typeof value === 'object' && value !== null) {
        const quoted = segment.as !== 'number';
        if (segment.as === 'value') text += '"';
        if (text !== '') parts.push(text);
        parts.push(quoted ? quoteLiterals(value) : value);
        text = segment.as === 'value' ? '"' : '';
      } else if (segment.as === 'text') {
        text += value === undefined ? '' : typeof value === 'string' ? quoteString(value) : String(value);
      } else {
        text += value === undefined ? 'null' : JSON.stringify(value);
      }
    }
    if (text !== '') parts.push(text);
    return { 'Fn::Join': ['', parts] };
  }
}

