/** A CloudFormation resource as it appears in a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** The parts of a CloudFormation template the report reads. */
export interface CloudFormationTemplate {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
}

/** How `renderText` shows what it cannot know before deployment. */
export interface RenderOptions {
  /**
   * Replace a `Ref` with the name the template gives the resource (a stage's `StageName`, a bus's `Name`),
   * as X-Ray sees it in service names, instead of a `${LogicalId}` placeholder.
   */
  readonly physicalNames?: boolean;
}

type Json = unknown;

/** `Ref` returns these properties for these types, when the template sets them. */
const NAME_RETURNED_BY_REF: Record<string, string> = {
  'AWS::ApiGateway::Stage': 'StageName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Events::Rule': 'Name',
};

export function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asArray(value: Json): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The logical ids of this template's resources that an expression refers to, in order, without repeats. */
export function referencedIds(value: Json, template: CloudFormationTemplate): string[] {
  const found: string[] = [];
  const resources = template.Resources ?? {};
  const add = (id: string) => {
    if (resources[id] && !found.includes(id)) found.push(id);
  };
  const walk = (v: Json): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (isObject(v)) {
      for (const [key, inner] of Object.entries(v)) {
        if (key === 'Ref' && typeof inner === 'string') add(inner);
        else if (key === 'Fn::GetAtt') add(getAttParts(inner)[0]);
        else if (key === 'Fn::Sub') subPlaceholders(Array.isArray(inner) ? inner[0] : inner).forEach((p) => add(p.split('.')[0]));
        walk(inner);
      }
    }
  };
  walk(value);
  return found;
}

/** The referenced resources of one of `types`. */
export function referencedOfType(value: Json, template: CloudFormationTemplate, types: readonly string[]): string[] {
  return referencedIds(value, template).filter((id) => types.includes(template.Resources![id].Type));
}

/**
 * An expression as text: literals as they are, what is only known at deployment as `${LogicalId}`,
 * `${LogicalId.Attribute}` or `${AWS::Region}` (the `Fn::Sub` notation), so the text stays readable and
 * JSON-safe inside a string.
 */
export function renderText(value: Json, template: CloudFormationTemplate, options: RenderOptions = {}): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => renderText(v, template, options)).join(',');
  const [key, arg] = Object.entries(value)[0] ?? [];
  switch (key) {
    case 'Ref': return renderRef(String(arg), template, options);
    case 'Fn::GetAtt': {
      const [id, attribute] = getAttParts(arg);
      return `\${${id}.${attribute}}`;
    }
    case 'Fn::Join': {
      const [separator, parts] = asArray(arg) as [string, Json[]];
      return asArray(parts).map((p) => renderText(p, template, options)).join(typeof separator === 'string' ? separator : '');
    }
    case 'Fn::Sub': return renderSub(arg, template, options);
    case 'Fn::Select': {
      const [index, list] = asArray(arg);
      if (typeof index === 'number' && Array.isArray(list) && index < list.length) return renderText(list[index], template, options);
      break;
    }
    case 'Fn::FindInMap': {
      const literal = findInMap(arg, template);
      if (literal !== undefined) return renderText(literal, template, options);
      break;
    }
  }
  return placeholderOf(value, template);
}

/** The values a `Fn::FindInMap` could return: all second-level values when the first key is a token. */
export function findInMapValues(arg: Json, template: CloudFormationTemplate): Json[] {
  const [mapName, first, second] = asArray(arg);
  const mapping = typeof mapName === 'string' ? template.Mappings?.[mapName] : undefined;
  if (!mapping) return [];
  const rows = typeof first === 'string' ? [mapping[first]].filter(Boolean) : Object.values(mapping);
  return rows.flatMap((row) => typeof second === 'string' ? [row[second]] : Object.values(row)).filter((v) => v !== undefined);
}

function findInMap(arg: Json, template: CloudFormationTemplate): Json | undefined {
  const [mapName, first, second] = asArray(arg);
  if (typeof mapName !== 'string' || typeof first !== 'string' || typeof second !== 'string') return undefined;
  return template.Mappings?.[mapName]?.[first]?.[second];
}

function renderRef(id: string, template: CloudFormationTemplate, options: RenderOptions): string {
  const resource = template.Resources?.[id];
  const nameProperty = resource ? NAME_RETURNED_BY_REF[resource.Type] : undefined;
  const name = nameProperty ? resource?.Properties?.[nameProperty] : undefined;
  if (options.physicalNames && typeof name === 'string') return name;
  return `\${${id}}`;
}

function renderSub(arg: Json, template: CloudFormationTemplate, options: RenderOptions): string {
  const [text, variables] = Array.isArray(arg) ? arg : [arg, {}];
  if (typeof text !== 'string') return placeholderOf(arg, template);
  return text.replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => {
    const variable = isObject(variables) ? variables[name] : undefined;
    if (variable !== undefined) return renderText(variable, template, options);
    if (!name.includes('.')) return renderRef(name, template, options);
    return whole;
  });
}

/** `${X}` for an expression that cannot be evaluated: X is the first resource it refers to. */
function placeholderOf(value: Json, template: CloudFormationTemplate): string {
  const [first] = referencedIds(value, template);
  if (first) return `\${${first}}`;
  const pseudo = JSON.stringify(value).match(/"(AWS::[A-Za-z]+)"/);
  return pseudo ? `\${${pseudo[1]}}` : '${?}';
}

function getAttParts(arg: Json): [string, string] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    return dot < 0 ? [arg, ''] : [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  const [id, attribute] = asArray(arg);
  return [String(id), typeof attribute === 'string' ? attribute : '?'];
}

function subPlaceholders(text: Json): string[] {
  if (typeof text !== 'string') return [];
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1]);
}

/** True when an expression is `true` or `"true"` (CloudFormation accepts both for booleans). */
export function isTrue(value: Json): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}
