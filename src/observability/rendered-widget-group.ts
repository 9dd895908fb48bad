import { IFragmentConcatenator, IPostProcessor, IResolvable, IResolveContext, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** A deploy-time value inside a JSON string of the body: resolved again at every resolution. */
class TokenPart {
  constructor(public readonly token: IResolvable) {}
}

/** What the one-time resolution keeps for every later one. */
abstract class Kept {}

/** A JSON string that mixes literal text and deploy-time values, in order. */
class KeptString extends Kept {
  constructor(public readonly parts: (string | TokenPart)[]) {
    super();
  }
}

/**
 * A token that stands for a whole JSON value, written as `Stack.toJsonString` writes it: one in a string's
 * or a value's place as a string (a CloudFormation function quoted), one in a number's place unquoted.
 */
class KeptValue extends Kept {
  constructor(public readonly token: IResolvable, public readonly as: 'string' | 'number') {
    super();
  }
}

/** An object with a deploy-time key, in the order of its entries. */
class KeptObject extends Kept {
  constructor(public readonly entries: [string | Kept, unknown][]) {
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

/** A CloudFormation function, by the names aws-cdk-lib's JSON writer takes for one. */
function isIntrinsic(x: unknown): boolean {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const keys = Object.keys(x);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0].startsWith('Fn::') && keys[0] !== 'Fn::GetArtifactAtt' && keys[0] !== 'Fn::GetParam'));
}

function holdsIntrinsic(x: unknown): boolean {
  if (isIntrinsic(x)) return true;
  if (Array.isArray(x)) return x.some(holdsIntrinsic);
  return typeof x === 'object' && x !== null && Object.values(x).some(holdsIntrinsic);
}

function cannotRender(what: string, value: unknown): Error {
  return new Error(`TracingDashboard: a widget holds ${what} (${JSON.stringify(value)}), which it cannot render ahead`);
}

/**
 * Resolves the widgets' JSON once, except for deploy-time values (names, ARNs, the Region, parameters), which
 * it keeps: structural tokens (aws-cdk-lib's wrappers of a graph's metric rows) are resolved, with their
 * post-processing, and a value that resolves to nothing (a metric's account or Region when it is the
 * dashboard's) is dropped, as `Stack.toJsonString` drops it. What it tries resolves through the context of
 * the body's own resolution, so the references it holds are seen by the app (cross-stack references are
 * exported). A walk of its own rather than `Tokenization.resolve` with a custom resolver: that one costs as
 * much again.
 */
class DeployTimeValueKeeper {
  private readonly tried = new Map<IResolvable, unknown>();

  constructor(private readonly outer: IResolveContext) {}

  public keep(value: unknown): unknown {
    if (typeof value === 'string') return Token.isUnresolved(value) ? this.keepString(value) : value;
    if (typeof value === 'number') return Token.isUnresolved(value) ? this.keepWhole(Tokenization.reverseNumber(value)!, 'number') : value;
    if (typeof value !== 'object' || value === null || value instanceof Kept || value instanceof Date) return value;
    if (Array.isArray(value)) {
      // aws-cdk-lib turns a list token in JSON into a custom resource at deploy time; nothing the library renders needs one.
      if (Tokenization.reverseList(value) !== undefined) throw cannotRender('a list token', value);
      return value.map((item) => this.keep(item)).filter((item) => item !== undefined);
    }
    if (Tokenization.isResolvable(value)) return this.keepToken(value);
    const entries: [string | Kept, unknown][] = [];
    for (const [key, item] of Object.entries(value)) {
      const k = this.keep(item);
      const keptKey = Token.isUnresolved(key) ? this.keepString(key) as Kept | undefined : key;
      if (k !== undefined && keptKey !== undefined) entries.push([keptKey, k]);
    }
    // A plain object where it can be: aws-cdk-lib's post-processors read the objects of a metric row.
    return entries.some(([key]) => key instanceof Kept) ? new KeptObject(entries) : Object.fromEntries(entries);
  }

  private keepString(value: string): unknown {
    const fragments = Tokenization.reverseString(value);
    if (fragments.length === 1 && fragments.firstToken !== undefined) return this.keepWhole(fragments.firstToken, 'string');
    return fragments.mapTokens({ mapToken: (token) => new TokenPart(token) }).join(KEEP_TOKENS);
  }

  /** A token standing for a whole value: dropped if it resolves to nothing, else kept. */
  private keepWhole(token: IResolvable, as: 'string' | 'number'): KeptValue | undefined {
    if (!this.tried.has(token)) this.tried.set(token, this.outer.resolve(token));
    return this.tried.get(token) === undefined ? undefined : new KeptValue(token, as);
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
    // Only a structure (a graph's metric row) is resolved here; a value is resolved again at every resolution.
    if (resolved === undefined || typeof resolved !== 'object' || resolved instanceof Kept || isIntrinsic(resolved)) {
      return resolved === undefined ? undefined : this.keepWhole(token, 'string');
    }
    const kept = this.keep(resolved);
    return postProcessor ? postProcessor.postProcess(kept, context) : kept;
  }
}

/**
 * One piece of the rendered text: JSON text, or a token to resolve at each resolution, written inside a JSON
 * string (`text`) or as a value of its own (`string` or `number`, by where it stood).
 */
type Segment = string | { readonly token: IResolvable; readonly as: 'text' | 'string' | 'number' };

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

function writeString(value: KeptString, out: Segment[]): void {
  out.push('"');
  for (const part of value.parts) out.push(part instanceof TokenPart ? { token: part.token, as: 'text' } : quoteString(part));
  out.push('"');
}

/** Writes a kept widget tree as JSON text, with its deploy-time values as segments of their own. */
function writeJson(value: unknown, out: Segment[]): void {
  if (value instanceof KeptString) {
    writeString(value, out);
  } else if (value instanceof KeptValue) {
    out.push({ token: value.token, as: value.as });
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      writeJson(item, out);
    });
    out.push(']');
  } else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    // A CloudFormation function outside any token was written by hand into the widget, or resolved from a
    // token's structure, which would fix a reference that a later resolution may replace (an import).
    if (isIntrinsic(value)) throw cannotRender('a CloudFormation function outside a token of its own', value);
    const entries = value instanceof KeptObject ? value.entries : Object.entries(value);
    out.push('{');
    entries.forEach(([key, item], i) => {
      if (i > 0) out.push(',');
      if (key instanceof KeptString) writeString(key, out);
      else writeJson(key, out);
      out.push(':');
      writeJson(item, out);
    });
    out.push('}');
  } else {
    out.push(JSON.stringify(value));
  }
}

/** Every widget inside `widgets`, rows and columns opened, as aws-cdk-lib gathers their warnings. */
function allWidgets(widgets: cloudwatch.IWidget[]): cloudwatch.IWidget[] {
  return widgets.flatMap((w) => [w, ...allWidgets((w as { widgets?: cloudwatch.IWidget[] }).widgets ?? [])]);
}

/**
 * A block of widgets laid out as rows in a column (as `Dashboard.addWidgets` lays out each call), added to
 * the dashboard as one widget whose JSON text is written once and only its deploy-time values resolved at
 * each resolution of the body. aws-cdk-lib renders and serializes every widget at each resolution of the
 * body, and a synthesis resolves it three times (references, construct tree, template): for a dashboard of
 * 40 traced functions that is about 130 ms per resolution, the largest single cost of synthesizing a traced
 * stack.
 *
 * The block enters the body through `Stack.toJsonString`, which writes a token of number type unquoted: the
 * block is such a token, resolving to an `Fn::Join` of its widgets' JSON text, which aws-cdk-lib joins into
 * the body's. Both are behaviours of aws-cdk-lib's JSON writer rather than documented API: the tests compare
 * the group's template with the widgets added one by one, so a change there fails them.
 *
 * The template is the one the widgets would give added one by one, except that a body left without any
 * deploy-time value is a one-part `Fn::Join` rather than a string, and a list token is refused. The text is
 * kept from synthesis's resolution of references, which runs after every aspect, so the widgets must be
 * final by then (the library's are: `TracingDashboard` creates them whole at synthesis, and its alarm status
 * widget reads the alarms `TracingAlarms` creates in its aspect); an earlier resolution renders afresh.
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
    if (rows.length === 0 || rows.some((row) => row.length === 0)) throw new Error('RenderedWidgetGroup: every row needs a widget');
    this.column = new cloudwatch.Column(...rows.map((row) => (row.length > 1 ? new cloudwatch.Row(...row) : row[0])));
    this.width = this.column.width;
    this.height = this.column.height;
    const all = allWidgets(rows.flat());
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
    const rendered = this.rendered?.x === this.x && this.rendered.y === this.y ? this.rendered : this.render(context);
    if (context.preparing) this.rendered = rendered;
    const parts: unknown[] = [];
    let text = '';
    const push = (part: unknown) => {
      if (text !== '') parts.push(text);
      parts.push(part);
      text = '';
    };
    // A name or ARN recurs in many widgets: each token is resolved once per resolution of the body.
    const values = new Map<IResolvable, unknown>();
    for (const segment of rendered.segments) {
      if (typeof segment === 'string') {
        text += segment;
        continue;
      }
      if (!values.has(segment.token)) values.set(segment.token, context.resolve(segment.token));
      const value = values.get(segment.token);
      if (isIntrinsic(value)) {
        if (segment.as === 'number') {
          push(value);
        } else if (segment.as === 'text') {
          push(quoteLiterals(value));
        } else {
          text += '"';
          push(quoteLiterals(value));
          text = '"';
        }
      } else if (typeof value === 'object' && value !== null && (segment.as === 'text' || holdsIntrinsic(value))) {
        throw cannotRender(segment.as === 'text' ? 'a token inside a string that resolves to a structure' : 'a token whose value holds a CloudFormation function', value);
      } else if (segment.as === 'text') {
        text += value === undefined ? '' : typeof value === 'string' ? quoteString(value) : String(value);
      } else {
        text += value === undefined ? 'null' : JSON.stringify(value);
      }
    }
    if (text !== '') parts.push(text);
    return { 'Fn::Join': ['', parts] };
  }

  private render(context: IResolveContext): { readonly x: number; readonly y: number; readonly segments: Segment[] } {
    this.column.position(this.x, this.y);
    const widgets = new DeployTimeValueKeeper(context).keep(this.column.toJson()) as unknown[];
    if (widgets.length === 0) throw new Error('RenderedWidgetGroup: the widgets render nothing, which would leave an empty element in the body');
    const segments: Segment[] = [];
    widgets.forEach((widget, i) => {
      if (i > 0) segments.push(',');
      writeJson(widget, segments);
    });
    return { x: this.x, y: this.y, segments };
  }
}
