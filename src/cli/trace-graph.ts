import {
  asArray, CloudFormationTemplate, findInMapValues, isObject, isTrue, referencedIds, referencedOfType, renderText, TemplateResource,
} from './template-values';

export const FUNCTION = 'AWS::Lambda::Function';
export const QUEUE = 'AWS::SQS::Queue';
export const TOPIC = 'AWS::SNS::Topic';
export const EVENT_BUS = 'AWS::Events::EventBus';
export const EVENT_RULE = 'AWS::Events::Rule';
export const STAGE = 'AWS::ApiGateway::Stage';
export const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';
const REST_API = 'AWS::ApiGateway::RestApi';
const SCHEDULE = 'AWS::Scheduler::Schedule';

/** The id of the account's default event bus, which no template declares (not a valid logical id, so it never collides). */
export const DEFAULT_EVENT_BUS = 'default-event-bus';

export type NodeKind = 'api-stage' | 'function' | 'queue' | 'topic' | 'event-bus' | 'schedule' | 'state-machine' | 'external';
export type EdgeKind = 'api-integration' | 'event-source' | 'rule-target' | 'subscription' | 'produces' | 'task';

/** A Lambda-backed route of a REST API. */
export interface ApiRoute {
  readonly method: string;
  readonly path: string;
  readonly function: string;
}

/** A resource a trace passes through, named by its logical id. */
export interface TraceNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** The CloudFormation type; absent for resources outside the template. */
  readonly cfnType?: string;
  /** The name X-Ray or the console shows, where the template fixes it (`OrdersApi/prod` for a stage). */
  readonly name?: string;
  /** The tracing setting as the template states it (`Active`, `PassThrough`, `TracingEnabled: true`, ...). */
  readonly tracing?: string;
  /** Whether this resource records its own X-Ray segment and samples requests that arrive without a decision. */
  readonly activeTracing?: boolean;
  /** Functions: whether one of the layers is an AWS OpenTelemetry layer. */
  readonly openTelemetryLayer?: boolean;
  /** API stages: the Lambda-backed routes. */
  readonly routes?: ApiRoute[];
  /** Schedules: the schedule expression. */
  readonly schedule?: string;
}

/** One hop: trace context travels `from` -> `to`. */
export interface TraceEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** The resource that creates the hop (method, event source mapping, rule, subscription, function). */
  readonly via: string;
  /** What the hop is: route, environment variable and permission, rule, protocol. */
  readonly detail: string[];
}

export interface TraceGraph {
  readonly nodes: TraceNode[];
  readonly edges: TraceEdge[];
}

const OPEN_TELEMETRY_LAYER = /AWSOpenTelemetry|aws-otel/i;
const DEFAULT_BUS_ARN = /event-bus\/default$/;
const PRODUCER_ACTIONS: Record<string, { send: string; consume?: string }> = {
  [QUEUE]: { send: 'sqs:SendMessage', consume: 'sqs:ReceiveMessage' },
  [TOPIC]: { send: 'sns:Publish' },
  [EVENT_BUS]: { send: 'events:PutEvents' },
};

/** The hops of one template, from API methods, event source mappings, rules, subscriptions and producers' grants. */
export function buildTraceGraph(template: CloudFormationTemplate): TraceGraph {
  const resources = template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const described = new Map<string, TraceNode>();
  const edges: TraceEdge[] = [];
  const deployTimeFunctions = deployTimeHandlers(template);
  const functionsIn = (value: unknown) => functionsReferenced(value, template).filter((id) => !deployTimeFunctions.has(id));
  const nodes: NodeSink = {
    add: (node) => {
      if (!described.has(node.id)) described.set(node.id, node);
      return node.id;
    },
    resource: (id) => nodes.add(describeResource(id, resources[id], template)),
  };
  const addEdge = (from: string, to: string, kind: EdgeKind, via: string, detail: string) => {
    const existing = edges.find((e) => e.from === from && e.to === to && e.kind === kind);
    if (existing) {
      if (detail && !existing.detail.includes(detail)) existing.detail.push(detail);
    } else {
      edges.push({ from, to, kind, via, detail: detail ? [detail] : [] });
    }
  };

  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === FUNCTION && !deployTimeFunctions.has(id)) nodes.resource(id);
    if (resource.Type === STATE_MACHINE) nodes.resource(id);
  }

  const routesByApi = apiRoutes(template, functionsIn);
  for (const [stageId, stage] of ofType(STAGE)) {
    const [apiId] = referencedOfType(stage.Properties?.RestApiId, template, [REST_API]);
    const routes = apiId ? routesByApi.get(apiId) ?? [] : [];
    nodes.add({ ...describeResource(stageId, stage, template), name: stageServiceName(apiId, stage, template), routes });
    for (const route of routes) addEdge(stageId, nodes.resource(route.function), 'api-integration', stageId, `${route.method} ${route.path}`);
  }

  for (const [id, mapping] of ofType('AWS::Lambda::EventSourceMapping')) {
    for (const queue of referencedOfType(mapping.Properties?.EventSourceArn, template, [QUEUE])) {
      for (const fn of functionsIn(mapping.Properties?.FunctionName)) addEdge(nodes.resource(queue), nodes.resource(fn), 'event-source', id, 'event source mapping');
    }
  }

  for (const [ruleId, rule] of [...ofType(EVENT_RULE), ...ofType(SCHEDULE)]) {
    const properties = rule.Properties ?? {};
    const source = properties.ScheduleExpression !== undefined
      ? nodes.add({ id: ruleId, kind: 'schedule', cfnType: rule.Type, schedule: renderText(properties.ScheduleExpression, template) })
      : busNode(properties.EventBusName, template, nodes);
    const targets = rule.Type === SCHEDULE ? asArray(properties.Target) : asArray(properties.Targets);
    for (const target of targets.filter(isObject)) {
      const detail = [`rule ${ruleId}`, targetInputDetail(target)].filter(Boolean).join(', ');
      for (const to of targetNodes(target.Arn, template, functionsIn, nodes)) addEdge(source, to, 'rule-target', ruleId, detail);
    }
  }

  for (const [id, subscription] of ofType('AWS::SNS::Subscription')) {
    const [topic] = referencedOfType(subscription.Properties?.TopicArn, template, [TOPIC]);
    if (topic) addSubscription(topic, id, subscription.Properties ?? {});
  }
  for (const [topic, resource] of ofType(TOPIC)) {
    for (const inline of asArray(resource.Properties?.Subscription).filter(isObject)) addSubscription(topic, topic, inline);
  }
  function addSubscription(topic: string, via: string, properties: Record<string, unknown>) {
    const protocol = String(properties.Protocol ?? '');
    const detail = `${protocol} subscription${isTrue(properties.RawMessageDelivery) ? ', raw delivery' : ''}`;
    const endpoints = protocol === 'sqs' ? referencedOfType(properties.Endpoint, template, [QUEUE]) : protocol === 'lambda' ? functionsIn(properties.Endpoint) : [];
    for (const endpoint of endpoints) addEdge(nodes.resource(topic), nodes.resource(endpoint), 'subscription', via, detail);
  }

  for (const [machine, resource] of ofType(STATE_MACHINE)) {
    const definition = [resource.Properties?.DefinitionString, resource.Properties?.Definition, resource.Properties?.DefinitionSubstitutions];
    const tasks = referencedOfType(definition, template, [FUNCTION, QUEUE, TOPIC, EVENT_BUS, STATE_MACHINE])
      .filter((id) => id !== machine && !deployTimeFunctions.has(id));
    for (const task of tasks) addEdge(machine, nodes.resource(task), 'task', machine, 'state machine task');
  }

  for (const [fn, resource] of ofType(FUNCTION)) {
    if (deployTimeFunctions.has(fn)) continue;
    for (const producer of producedTo(fn, resource, template)) {
      addEdge(fn, producer.to === DEFAULT_EVENT_BUS ? defaultBus(nodes) : nodes.resource(producer.to), 'produces', fn, producer.evidence.join(', '));
    }
  }

  return { nodes: [...described.values()], edges };
}

function describeResource(id: string, resource: TemplateResource, template: CloudFormationTemplate): TraceNode {
  const properties = resource.Properties ?? {};
  switch (resource.Type) {
    case FUNCTION: {
      const mode = isObject(properties.TracingConfig) ? properties.TracingConfig.Mode : undefined;
      const environment = isObject(properties.Environment) && isObject(properties.Environment.Variables) ? properties.Environment.Variables : {};
      const name = properties.FunctionName ?? environment.OTEL_SERVICE_NAME;
      return {
        id,
        kind: 'function',
        cfnType: resource.Type,
        name: typeof name === 'string' ? name : undefined,
        tracing: mode === undefined ? 'no TracingConfig (PassThrough)' : renderText(mode, template),
        activeTracing: mode === 'Active',
        openTelemetryLayer: asArray(properties.Layers).some((layer) => isOpenTelemetryLayer(layer, template)),
      };
    }
    case STAGE:
      return { id, kind: 'api-stage', cfnType: resource.Type, tracing: `TracingEnabled: ${properties.TracingEnabled ?? 'not set'}`, activeTracing: isTrue(properties.TracingEnabled) };
    case STATE_MACHINE: {
      const enabled = isObject(properties.TracingConfiguration) ? properties.TracingConfiguration.Enabled : undefined;
      const name = properties.StateMachineName;
      return {
        id,
        kind: 'state-machine',
        cfnType: resource.Type,
        name: typeof name === 'string' ? name : undefined,
        tracing: `TracingConfiguration.Enabled: ${enabled ?? 'not set'}`,
        activeTracing: isTrue(enabled),
      };
    }
    case TOPIC:
      return { id, kind: 'topic', cfnType: resource.Type, tracing: `TracingConfig: ${renderText(properties.TracingConfig, template) || 'not set'}`, activeTracing: properties.TracingConfig === 'Active' };
    case QUEUE:
      return { id, kind: 'queue', cfnType: resource.Type };
    case EVENT_BUS:
      return { id, kind: 'event-bus', cfnType: resource.Type, name: typeof properties.Name === 'string' ? properties.Name : undefined };
    default:
      return { id, kind: 'external', cfnType: resource.Type };
  }
}

/** A layer is an OpenTelemetry layer when its ARN, or every value its `Fn::FindInMap` can return, names one. */
function isOpenTelemetryLayer(layer: unknown, template: CloudFormationTemplate): boolean {
  if (isObject(layer) && 'Fn::FindInMap' in layer) {
    const values = findInMapValues(layer['Fn::FindInMap'], template);
    return values.length > 0 && values.every((v) => OPEN_TELEMETRY_LAYER.test(renderText(v, template)));
  }
  if (isObject(layer) && typeof layer.Ref === 'string') {
    const parameter = template.Parameters?.[layer.Ref];
    if (parameter) return OPEN_TELEMETRY_LAYER.test(renderText(parameter.Default, template));
    const published = template.Resources?.[layer.Ref];
    return published?.Type === 'AWS::Lambda::LayerVersion' && OPEN_TELEMETRY_LAYER.test(renderText(published.Properties?.LayerName, template));
  }
  return OPEN_TELEMETRY_LAYER.test(renderText(layer, template));
}

/** X-Ray names a REST API stage's segments `<api name>/<stage name>`. */
function stageServiceName(apiId: string | undefined, stage: TemplateResource, template: CloudFormationTemplate): string {
  const api = apiId ? template.Resources![apiId].Properties ?? {} : {};
  const body = isObject(api.Body) && isObject(api.Body.info) ? api.Body.info.title : undefined;
  const apiName = api.Name ?? body;
  return `${apiName === undefined ? `\${${apiId ?? '?'}}` : renderText(apiName, template)}/${renderText(stage.Properties?.StageName, template)}`;
}

/** Lambda-backed routes per REST API: from its methods, or from the OpenAPI body of a `SpecRestApi`. */
function apiRoutes(template: CloudFormationTemplate, functionsIn: (v: unknown) => string[]): Map<string, ApiRoute[]> {
  const resources = template.Resources ?? {};
  const routes = new Map<string, ApiRoute[]>();
  const add = (api: string, route: ApiRoute) => routes.set(api, [...routes.get(api) ?? [], route]);
  for (const [, method] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::Method')) {
    const properties = method.Properties ?? {};
    const [api] = referencedOfType(properties.RestApiId, template, [REST_API]);
    const integration = isObject(properties.Integration) ? properties.Integration : {};
    if (!api || !['AWS_PROXY', 'AWS'].includes(String(integration.Type))) continue;
    const path = resourcePath(properties.ResourceId, template);
    for (const fn of functionsIn(integration.Uri)) add(api, { method: renderText(properties.HttpMethod, template), path, function: fn });
  }
  for (const [api, resource] of Object.entries(resources).filter(([, r]) => r.Type === REST_API)) {
    const paths = isObject(resource.Properties?.Body) ? resource.Properties!.Body.paths : undefined;
    for (const [path, operations] of Object.entries(isObject(paths) ? paths : {})) {
      for (const [method, operation] of Object.entries(isObject(operations) ? operations : {})) {
        const integration = isObject(operation) ? operation['x-amazon-apigateway-integration'] : undefined;
        if (!isObject(integration)) continue;
        for (const fn of functionsIn(integration.uri)) add(api, { method: method === 'x-amazon-apigateway-any-method' ? 'ANY' : method.toUpperCase(), path, function: fn });
      }
    }
  }
  return routes;
}

function resourcePath(resourceId: unknown, template: CloudFormationTemplate, depth = 0): string {
  const [parent] = referencedOfType(resourceId, template, ['AWS::ApiGateway::Resource']);
  if (!parent || depth > 64) return '/';
  const properties = template.Resources![parent].Properties ?? {};
  const above = resourcePath(properties.ParentId, template, depth + 1);
  return `${above === '/' ? '' : above}/${renderText(properties.PathPart, template)}`;
}

/** Functions an expression points at, through aliases and versions too. */
function functionsReferenced(value: unknown, template: CloudFormationTemplate): string[] {
  return referencedIds(value, template).flatMap((id) => {
    const resource = template.Resources![id];
    if (resource.Type === FUNCTION) return [id];
    if (resource.Type === 'AWS::Lambda::Alias' || resource.Type === 'AWS::Lambda::Version') return referencedOfType(resource.Properties?.FunctionName, template, [FUNCTION]);
    return [];
  });
}

/**
 * Functions that only run during deployment: custom resource handlers (a `ServiceToken`) and what their
 * environment points at (the provider framework's user handlers). They are in no request's trace.
 */
function deployTimeHandlers(template: CloudFormationTemplate): Set<string> {
  const resources = template.Resources ?? {};
  const handlers = new Set<string>();
  const add = (ids: string[]) => ids.forEach((id) => {
    if (handlers.has(id)) return;
    handlers.add(id);
    const environment = resources[id].Properties?.Environment;
    add(functionsReferenced(environment, template));
  });
  for (const resource of Object.values(resources)) {
    if (resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource') add(functionsReferenced(resource.Properties?.ServiceToken, template));
  }
  return handlers;
}

/** Adds nodes once: described ones, or this template's resources by logical id. Both return the node's id. */
interface NodeSink {
  add(node: TraceNode): string;
  resource(id: string): string;
}

function busNode(busName: unknown, template: CloudFormationTemplate, nodes: NodeSink): string {
  const [bus] = referencedOfType(busName, template, [EVENT_BUS]);
  if (bus) return nodes.resource(bus);
  const name = renderText(busName, template);
  if (name === '' || name === 'default' || DEFAULT_BUS_ARN.test(name)) return defaultBus(nodes);
  const named = Object.entries(template.Resources ?? {}).find(([, r]) => r.Type === EVENT_BUS && r.Properties?.Name === name);
  return named ? nodes.resource(named[0]) : nodes.add({ id: `external:${name}`, kind: 'event-bus', name });
}

function defaultBus(nodes: NodeSink): string {
  return nodes.add({ id: DEFAULT_EVENT_BUS, kind: 'event-bus', name: 'default' });
}

function targetNodes(arn: unknown, template: CloudFormationTemplate, functionsIn: (v: unknown) => string[], nodes: NodeSink): string[] {
  const found = [...functionsIn(arn), ...referencedOfType(arn, template, [QUEUE, TOPIC, EVENT_BUS, STATE_MACHINE])].map((id) => nodes.resource(id));
  if (found.length > 0) return found;
  const text = renderText(arn, template);
  if (DEFAULT_BUS_ARN.test(text)) return [defaultBus(nodes)];
  return [nodes.add({ id: `external:${text}`, kind: 'external', name: text })];
}

function targetInputDetail(target: Record<string, unknown>): string {
  if (target.InputTransformer !== undefined) return 'input transformer';
  if (target.Input !== undefined) return 'constant input';
  if (target.InputPath !== undefined) return `input path ${String(target.InputPath)}`;
  return '';
}

/**
 * The queues, topics and buses a function sends to: a statement of its role allowing the send action on
 * the resource, or an environment variable naming it unless the role may only consume from it. Its own
 * dead-letter queue and asynchronous-invocation destinations are failure paths, not hops.
 */
function producedTo(fn: string, resource: TemplateResource, template: CloudFormationTemplate): { to: string; evidence: string[] }[] {
  const properties = resource.Properties ?? {};
  const failurePaths = new Set(referencedIds([properties.DeadLetterConfig, invokeConfigsOf(fn, template)], template));
  const statements = roleStatements(referencedOfType(properties.Role, template, ['AWS::IAM::Role']), template);
  const environment = isObject(properties.Environment) && isObject(properties.Environment.Variables) ? properties.Environment.Variables : {};
  const candidates = new Map<string, string[]>();
  const note = (to: string, evidence: string) => {
    const noted = candidates.get(to) ?? [];
    if (!noted.includes(evidence)) candidates.set(to, [...noted, evidence]);
  };

  const grants = (action: string | undefined, to: string) => action !== undefined && statements.some((s) => s.allows(action)
    && s.resources.some((r) => to === DEFAULT_EVENT_BUS ? DEFAULT_BUS_ARN.test(renderText(r, template)) : referencedIds(r, template).includes(to)));
  const messagingTargets = (value: unknown) => referencedOfType(value, template, Object.keys(PRODUCER_ACTIONS));

  for (const statement of statements) {
    for (const to of messagingTargets(statement.resources)) {
      const action = PRODUCER_ACTIONS[template.Resources![to].Type].send;
      if (statement.allows(action)) note(to, action);
    }
  }
  if (grants('events:PutEvents', DEFAULT_EVENT_BUS)) note(DEFAULT_EVENT_BUS, 'events:PutEvents');
  for (const [name, value] of Object.entries(environment)) {
    for (const to of messagingTargets(value)) {
      const actions = PRODUCER_ACTIONS[template.Resources![to].Type];
      if (!(grants(actions.consume, to) && !grants(actions.send, to))) note(to, name);
    }
  }
  return [...candidates.entries()].filter(([to]) => !failurePaths.has(to)).map(([to, evidence]) => ({ to, evidence: evidence.sort(envFirst) }));
}

const envFirst = (a: string, b: string) => Number(a.includes(':')) - Number(b.includes(':'));

function invokeConfigsOf(fn: string, template: CloudFormationTemplate): unknown[] {
  return Object.values(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && referencedIds(r.Properties?.FunctionName, template).includes(fn))
    .map((r) => r.Properties?.DestinationConfig);
}

interface AllowStatement {
  readonly resources: unknown[];
  allows(action: string): boolean;
}

/** The `Allow` statements of the roles' inline policies and of the policies attached to them in the template. */
function roleStatements(roles: string[], template: CloudFormationTemplate): AllowStatement[] {
  const resources = template.Resources ?? {};
  const documents: unknown[] = [];
  for (const role of roles) {
    const properties = resources[role].Properties ?? {};
    documents.push(...asArray(properties.Policies).filter(isObject).map((p) => p.PolicyDocument));
    for (const managed of referencedOfType(properties.ManagedPolicyArns, template, ['AWS::IAM::ManagedPolicy'])) documents.push(resources[managed].Properties?.PolicyDocument);
  }
  for (const policy of Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')) {
    if (referencedIds(policy.Properties?.Roles, template).some((r) => roles.includes(r))) documents.push(policy.Properties?.PolicyDocument);
  }
  return documents.filter(isObject).flatMap((d) => asArray(d.Statement)).filter(isObject)
    .filter((s) => s.Effect === 'Allow')
    .map((s) => {
      const patterns = asArray(s.Action).filter((a): a is string => typeof a === 'string').map(actionPattern);
      return { resources: asArray(s.Resource), allows: (action: string) => patterns.some((p) => p.test(action)) };
    });
}

function actionPattern(action: string): RegExp {
  const escaped = action.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}
