import { createHash } from 'crypto';
import { Annotations, Aspects, CfnResource, Duration, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { alarmInputs, AlarmInput, TracingAlarmKind, TracingAlarmThresholds } from './alarm-inputs';
import { BuildWhenComplete } from './build-when-complete';
import { chunks } from './dashboard-sections';
import { claimPhysicalName } from './physical-names';
import { inventoryOf, kebab } from './traced-inventory';
import { acknowledgeCompositeInput, acknowledgeNagFindings } from '../nag/nag-acknowledgement';
import { TracingRegistry } from '../registry/tracing-registry';

/** CloudFormation's limit of resources per stack. */
const STACK_RESOURCE_LIMIT = 500;
/** Where the library starts warning, leaving room for what the application adds later. */
export const ALARM_BUDGET_WARNING = 450;
/** An alarm on metric math may use at most 10 metrics (PutMetricAlarm `Metrics`). */
const METRICS_PER_ALARM = 10;
/** Alarms per composite alarm: keeps the rule well within its 10,240 characters. */
const ALARMS_PER_COMPOSITE = 50;

/**
 * How finely `TracingAlarms` alarms.
 */
export enum TracingAlarmGranularity {
  /** One alarm per resource and kind, named `<service>-<resource>-<kind>`, under one composite alarm per service. */
  RESOURCE = 'RESOURCE',
  /**
   * One alarm per service and kind (metric math over up to 10 metrics, alarming when any resource passes
   * its threshold), named `<service>-<kind>`, under one composite alarm per service: the alarm count grows
   * with services, not resources, for stacks near CloudFormation's 500 resources.
   */
  SERVICE = 'SERVICE',
}

/**
 * Thresholds and disabled kinds for one resource.
 */
export interface TracingAlarmOverride {
  /** The traced function, `TracedQueue`, `TracedEventBus` or `TracedTopic` (or its queue, bus or topic). */
  readonly resource: IConstruct;
  /**
   * Thresholds for this resource, over the construct's own.
   * @default - the construct's thresholds
   */
  readonly thresholds?: TracingAlarmThresholds;
  /**
   * Kinds of alarm this resource does not get.
   * @default - none
   */
  readonly disabledKinds?: TracingAlarmKind[];
}

/**
 * Props of `TracingAlarms`.
 */
export interface TracingAlarmsProps {
  /**
   * Thresholds for every resource.
   * @default - see `TracingAlarmThresholds`
   */
  readonly thresholds?: TracingAlarmThresholds;
  /**
   * Kinds of alarm no resource gets.
   * @default - every kind
   */
  readonly disabledKinds?: TracingAlarmKind[];
  /**
   * Thresholds and disabled kinds per resource.
   * @default - none
   */
  readonly overrides?: TracingAlarmOverride[];
  /**
   * Put before every alarm name, for alarms that must not clash with those of another stack or stage in the
   * same account and Region (a service split over two stacks, Beta and Gamma stages with the same service
   * names): 1-64 letters, digits, '-' or '_'.
   * @default - none: names are `<service>-<resource>-<kind>`
   */
  readonly alarmNamePrefix?: string;
  /**
   * One alarm per resource and kind, or per service and kind.
   * @default TracingAlarmGranularity.RESOURCE
   */
  readonly granularity?: TracingAlarmGranularity;
  /**
   * The topic the composite alarms notify (ALARM and OK). The composite alarm of a service is what pages:
   * its inputs carry no action, so one incident is one notification.
   * @default - a new topic encrypted with a new customer managed key when `createTopic` is true, else no action
   */
  readonly topic?: sns.ITopic;
  /**
   * Whether to create an SSL-only topic encrypted with a new customer managed key (with rotation), which
   * CloudWatch may use, as the action of the composite alarms.
   * @default false
   */
  readonly createTopic?: boolean;
}

/**
 * The alarms a team accepts in production for every traced resource of the stack, created from the tracing
 * registry when the app is synthesized (so resources traced later are covered): function error rate,
 * throttles and p99 duration at 80 % of the timeout; queue dead letters and age of the oldest message
 * (above twice the visibility timeout the library derives from the consumers); event-bus rules' failed
 * invocations and dead-letter deliveries; topics' failed deliveries; faulty traces in the default faults
 * groups. One composite alarm per service is what notifies. Registered in the tracing registry, so
 * `TracingDashboard` shows their status.
 */
export class TracingAlarms extends Construct {
  /** The topic the composite alarms notify, if any. */
  public readonly topic?: sns.ITopic;
  private readonly _alarms: cloudwatch.Alarm[] = [];
  private readonly _compositeAlarms: cloudwatch.CompositeAlarm[] = [];
  private readonly props: TracingAlarmsProps;

  constructor(scope: Construct, id: string, props: TracingAlarmsProps = {}) {
    super(scope, id);
    if (props.topic && props.createTopic) throw new Error('createTopic: true is not allowed together with topic; give one or the other');
    checkThresholds('thresholds', props.thresholds);
    for (const [i, override] of (props.overrides ?? []).entries()) checkThresholds(`overrides[${i}].thresholds`, override.thresholds);
    const prefix = props.alarmNamePrefix;
    if (prefix !== undefined && !Token.isUnresolved(prefix) && !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
      throw new Error(`alarmNamePrefix: '${prefix}' is not allowed; use 1-64 letters, digits, '-' or '_'`);
    }
    this.props = props;
    this.topic = props.topic ?? (props.createTopic ? this.createTopic() : undefined);
    Aspects.of(this).add(new BuildWhenComplete(this, () => this.build()));
  }

  /** The metric alarms, one per resource (or service) and kind; filled when the app is synthesized. */
  public get alarms(): cloudwatch.Alarm[] {
    return [...this._alarms];
  }

  /** The composite alarms, one per service (more for a service of over 50 alarms); filled at synthesis. */
  public get compositeAlarms(): cloudwatch.CompositeAlarm[] {
    return [...this._compositeAlarms];
  }

  private build(): void {
    const stack = Stack.of(this);
    const registry = TracingRegistry.of(this);
    const disabled = new Set(this.props.disabledKinds ?? []);
    const inputs = alarmInputs(inventoryOf([stack]), this.props.thresholds ?? {}, this.props.overrides ?? [])
      .filter((input) => !disabled.has(input.kind) && !input.disabled);
    const byService = new Map<string, cloudwatch.Alarm[]>();
    const add = (service: string, alarm: cloudwatch.Alarm) => {
      acknowledgeCompositeInput(alarm.node.defaultChild as CfnResource, `composite alarm ${this.name(`${service}-health`, false)}`);
      byService.set(service, [...byService.get(service) ?? [], alarm]);
      this._alarms.push(alarm);
      const alarmName = (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName!;
      registry._registerAlarm({ owner: this, alarm, alarmName, serviceName: service, composite: false });
    };
    if ((this.props.granularity ?? TracingAlarmGranularity.RESOURCE) === TracingAlarmGranularity.RESOURCE) {
      for (const input of inputs) add(input.serviceName, this.metricAlarm(this.name(`${input.serviceName}-${input.resourceName}-${input.kind}`), input));
    } else {
      for (const [key, group] of groupBy(inputs, (i) => `${i.serviceName}\u0000${i.kind}`)) {
        const [service, kind] = key.split('\u0000');
        chunkByMetrics(group).forEach((part, n, all) =>
          add(service, this.serviceAlarm(this.name(all.length > 1 ? `${service}-${kind}-${n + 1}` : `${service}-${kind}`), part)));
      }
    }
    for (const [service, alarms] of byService) {
      chunks(alarms, ALARMS_PER_COMPOSITE).forEach((part, n, all) => {
        const name = this.name(all.length > 1 ? `${service}-health-${n + 1}` : `${service}-health`);
        const composite = new cloudwatch.CompositeAlarm(this, `Composite${this.alarmId(name)}`, {
          compositeAlarmName: name,
          alarmDescription: `Any alarm of service ${service}: ${part.length} alarm(s) from cdk-serverless-tracing.`,
          alarmRule: cloudwatch.AlarmRule.anyOf(...part),
        });
        if (this.topic) {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { SnsAction } = require('aws-cdk-lib/aws-cloudwatch-actions') as typeof actions;
          composite.addAlarmAction(new SnsAction(this.topic));
          composite.addOkAction(new SnsAction(this.topic));
        }
        this._compositeAlarms.push(composite);
        registry._registerAlarm({ owner: this, alarm: composite, alarmName: name, serviceName: service, composite: true });
      });
    }
    this.checkBudget(stack);
  }

  /** The alarm name, prefixed, within 255 characters, and claimed in its account and Region. */
  private name(base: string, claim = true): string {
    const prefixed = this.props.alarmNamePrefix ? `${this.props.alarmNamePrefix}-${base}` : base;
    const name = prefixed.length <= 255 ? prefixed : `${prefixed.slice(0, 246)}-${hash(prefixed)}`;
    if (claim) {
      claimPhysicalName(this, 'alarm', name, 'alarmNamePrefix',
        'set alarmNamePrefix on one of the TracingAlarms (or give the services distinct serviceName values)');
    }
    return name;
  }

  /** A construct id from a unique alarm name; the name's hash keeps it unique past 200 characters or a clash. */
  private alarmId(name: string): string {
    const id = kebab(name).split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
    return id.length <= 200 && !this.node.tryFindChild(id) && !this.node.tryFindChild(`Composite${id}`) ? id : `${id.slice(0, 191)}${hash(name)}`;
  }

  private metricAlarm(name: string, input: AlarmInput): cloudwatch.Alarm {
    const ids = Object.keys(input.metrics);
    const metric = input.expression === undefined && ids.length === 1 ? input.metrics[ids[0]]
      : new cloudwatch.MathExpression({
        // The alarm's graph legend: what and of which resource; the alarm's description says the rest.
        expression: input.expression ?? ids[0], usingMetrics: input.metrics, period: input.period, label: `${input.resourceName}: ${input.kindDescription}`,
      });
    return new cloudwatch.Alarm(this, this.alarmId(name), {
      alarmName: name,
      alarmDescription: input.description,
      metric,
      threshold: input.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: input.evaluationPeriods,
      datapointsToAlarm: input.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Any input of the part at or above its own threshold: MAX of each input's value over its threshold >= 1. */
  private serviceAlarm(name: string, part: AlarmInput[]): cloudwatch.Alarm {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    const terms = part.map((input, i) => {
      let expression = input.expression ?? Object.keys(input.metrics)[0];
      for (const [id, metric] of Object.entries(input.metrics)) {
        usingMetrics[`${id}_${i}`] = metric;
        expression = expression.replace(new RegExp(`\\b${id}\\b`, 'g'), `${id}_${i}`);
      }
      return `(${expression}) / ${Tokenization.stringifyNumber(input.threshold)}`;
    });
    const first = part[0];
    return new cloudwatch.Alarm(this, this.alarmId(name), {
      alarmName: name,
      alarmDescription: `${first.kindDescription} for any of: ${part.map((p) => p.resourceName).join(', ')}.`,
      metric: new cloudwatch.MathExpression({ expression: terms.length === 1 ? terms[0] : `MAX([${terms.join(', ')}])`, usingMetrics, period: first.period }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: first.evaluationPeriods,
      datapointsToAlarm: first.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private checkBudget(stack: Stack): void {
    const resources = stack.node.findAll().filter(CfnResource.isCfnResource).length;
    if (resources >= ALARM_BUDGET_WARNING) {
      Annotations.of(this).addWarningV2('cdk-serverless-tracing:alarm-budget',
        `${stack.node.path} holds ${resources} resources with ${this._alarms.length + this._compositeAlarms.length} tracing alarms; CloudFormation allows ${STACK_RESOURCE_LIMIT} per stack. Use granularity: TracingAlarmGranularity.SERVICE, or disable kinds, to keep room.`);
    }
  }

  private createTopic(): sns.Topic {
    // aws-kms and aws-sns (and aws-cloudwatch-actions) are loaded for an alarm topic only, not with the library.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { Key } = require('aws-cdk-lib/aws-kms') as typeof kms;
    const { Topic } = require('aws-cdk-lib/aws-sns') as typeof sns;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const key = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: `Encrypts the alarm topic of ${this.node.path}`,
    });
    // CloudWatch publishes to an encrypted topic only when the key lets it (the AWS managed SNS key does not).
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    const topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'Tracing alarms' });
    acknowledgeNagFindings(topic.node.defaultChild as CfnResource, [{
      id: 'TracingChecks-TopicActiveTracing',
      reason: 'CloudWatch publishes alarm state changes to this topic outside any request: there is no trace for SNS to continue.',
    }]);
    return topic;
  }
}

function checkThresholds(prop: string, thresholds: TracingAlarmThresholds | undefined): void {
  if (!thresholds) return;
  const positive = (name: keyof TracingAlarmThresholds, value: number | undefined, max = Number.MAX_SAFE_INTEGER) => {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isFinite(value) || value <= 0 || value > max) {
      throw new Error(`${prop}.${name}: ${value} is not allowed; use a number above 0${max === Number.MAX_SAFE_INTEGER ? '' : ` and at most ${max}`}`);
    }
  };
  positive('functionErrorRatePercent', thresholds.functionErrorRatePercent, 100);
  positive('durationPercentOfTimeout', thresholds.durationPercentOfTimeout, 100);
  positive('functionThrottles', thresholds.functionThrottles);
  positive('deadLetterMessages', thresholds.deadLetterMessages);
  positive('ruleFailedInvocations', thresholds.ruleFailedInvocations);
  positive('topicFailedDeliveries', thresholds.topicFailedDeliveries);
  positive('faultyTraces', thresholds.faultyTraces);
  positive('apiServerErrorRatePercent', thresholds.apiServerErrorRatePercent, 100);
  positive('stateMachineFailedExecutions', thresholds.stateMachineFailedExecutions);
  const age = thresholds.queueMessageAge;
  if (age && !age.isUnresolved() && (age.toSeconds() < 60 || age.toSeconds() > Duration.days(14).toSeconds())) {
    throw new Error(`${prop}.queueMessageAge: ${age.toHumanString()} is not allowed; use 1 minute to 14 days (SQS keeps messages at most 14 days)`);
  }
}

function chunkByMetrics(inputs: AlarmInput[]): AlarmInput[][] {
  const parts: AlarmInput[][] = [];
  let count = Infinity;
  for (const input of inputs) {
    const size = Object.keys(input.metrics).length;
    if (count + size > METRICS_PER_ALARM) {
      parts.push([]);
      count = 0;
    }
    parts[parts.length - 1].push(input);
    count += size;
  }
  return parts;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...map.get(key(item)) ?? [], item]);
  return map;
}


function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
