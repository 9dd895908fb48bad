import { Annotations, CfnResource, Stack, Token } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';
import { attachStackXRayPolicy } from '../function/stack-xray-policy';
import { TracingRegistry } from '../registry/tracing-registry';
import { snsActiveTracingPolicy } from '../topic/sns-active-tracing-policy';

/*
 * X-Ray tracing for the managed services a request crosses besides Lambda: REST API stages, Step Functions
 * state machines and SNS topics. Each is recognised by its CloudFormation type (type-only imports: an app
 * without API Gateway or Step Functions never loads those modules for this), planned without changes, and
 * then either applied or, in audit mode, only described.
 */

const STATE_MACHINE_XRAY_POLICY_ID = 'TracingStateMachineXRayPolicy';

/** What tracing a managed-service resource needs, decided without changing it. */
export interface ManagedServicePlan {
  /** The resource's CloudFormation construct. */
  readonly resource: CfnResource;
  /** Already traced: nothing to change, only to register. */
  readonly alreadyTraced: boolean;
  /** Why it cannot be traced (an explicit opt-out the aspect respects), when it cannot. */
  readonly refusal?: string;
  /** One sentence on what applying changes, for audit mode. */
  readonly change: string;
  /** Applies the plan: turns tracing on (unless already on) and registers the resource. */
  apply(): void;
}

/** The tracing plan of a REST API stage, a state machine or a topic; undefined for any other resource. */
export function planManagedService(resource: CfnResource): ManagedServicePlan | undefined {
  switch (resource.cfnResourceType) {
    case 'AWS::ApiGateway::Stage': return planApiStage(resource as apigateway.CfnStage);
    case 'AWS::StepFunctions::StateMachine': return planStateMachine(resource as sfn.CfnStateMachine);
    case 'AWS::SNS::Topic': return planTopic(resource as sns.CfnTopic);
    default: return undefined;
  }
}

function planApiStage(stage: apigateway.CfnStage): ManagedServicePlan {
  const current = resolved(stage, stage.tracingEnabled);
  const owner = stage.node.scope as IConstruct & { restApi?: apigateway.IRestApi };
  const apiName = owner.restApi?.restApiName ?? stage.restApiId;
  const register = () => TracingRegistry.of(stage)._registerApiStage({
    owner: owner.restApi ? owner : stage, apiName, stageName: stage.stageName ?? stage.node.id,
  });
  return {
    resource: stage,
    alreadyTraced: current === true,
    refusal: current === false ? 'tracingEnabled is false on the stage, an explicit choice this aspect leaves alone; set it to true to trace the API' : undefined,
    change: `turn on X-Ray tracing for REST API stage '${Token.isUnresolved(stage.stageName) ? stage.node.path : stage.stageName}'`,
    apply: () => {
      if (current !== true) stage.tracingEnabled = true;
      register();
    },
  };
}

function planStateMachine(machine: sfn.CfnStateMachine): ManagedServicePlan {
  const current = resolved(machine, machine.tracingConfiguration) as { enabled?: unknown } | undefined;
  const role = (machine.node.scope as IConstruct & { role?: iam.IRole }).role;
  const owner = role ? machine.node.scope! : machine;
  const register = () => TracingRegistry.of(machine)._registerStateMachine({ owner, stateMachineArn: machine.attrArn });
  return {
    resource: machine,
    alreadyTraced: current?.enabled === true,
    refusal: current?.enabled === false ? 'tracingConfiguration.enabled is false on the state machine, an explicit choice this aspect leaves alone' : undefined,
    change: 'turn on X-Ray tracing for the state machine and let its role write to X-Ray',
    apply: () => {
      if (current?.enabled !== true) {
        machine.tracingConfiguration = { ...current, enabled: true };
        grantStateMachineXRay(machine, role);
      }
      register();
    },
  };
}

function planTopic(topic: sns.CfnTopic): ManagedServicePlan {
  const current = resolved(topic, topic.tracingConfig);
  const owner = topic.node.scope as IConstruct & { topicArn?: string };
  const isL2 = owner.topicArn !== undefined && owner.node.defaultChild === topic;
  const registry = TracingRegistry.of(topic);
  const registered = isL2 && registry.topics.some((t) => t.topic === (owner as unknown as sns.ITopic));
  return {
    resource: topic,
    alreadyTraced: current === 'Active' && (registered || !isL2),
    refusal: current === 'PassThrough'
      ? 'tracingConfig is PassThrough on the topic, an explicit choice this aspect leaves alone; use Active to trace it'
      : !isL2 && current !== 'Active' ? 'the topic is a CfnTopic without an sns.Topic, which the SNS X-Ray resource policy cannot list; create it as an sns.Topic or TracedTopic' : undefined,
    change: 'turn on SNS active tracing (and the stack\'s SNS X-Ray resource policy, which lets SNS write its segments)',
    apply: () => {
      if (current !== 'Active') topic.tracingConfig = 'Active';
      if (isL2 && !registered) {
        registry._registerTopic({ owner, topic: owner as unknown as sns.ITopic });
        snsActiveTracingPolicy(Stack.of(topic), registry);
      }
    },
  };
}

/**
 * X-Ray writes for traced state machines, in one managed policy per stack (as aws-cdk-lib's own
 * `tracingEnabled` grants them: segments, telemetry and the sampling rules Step Functions reads).
 */
function grantStateMachineXRay(machine: sfn.CfnStateMachine, role: iam.IRole | undefined): void {
  if (!(role instanceof iam.Role)) {
    Annotations.of(machine).addWarningV2('cdk-serverless-tracing:state-machine-role',
      'The state machine\'s role is not created in this app: grant it xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules and xray:GetSamplingTargets on "*", or X-Ray receives nothing from it.');
    return;
  }
  attachStackXRayPolicy(role, {
    id: STATE_MACHINE_XRAY_POLICY_ID,
    description: 'Lets the traced state machines of this stack send segments to X-Ray and read its sampling rules (cdk-serverless-tracing)',
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
    reason: 'X-Ray segment, telemetry and sampling actions support no resource-level permissions; X-Ray requires Resource "*". This policy holds only these four actions.',
  });
}

function resolved(resource: CfnResource, value: unknown): unknown {
  return Stack.of(resource).resolve(value);
}
