/**
 * Scenario (c): the functions and queues of (a), monitored with cdk-monitoring-constructs: one
 * `MonitoringFacade` per stack (its default detail dashboard), the alarms `TracingAlarms` creates, and one
 * composite alarm per service from the alarms tagged with it.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { MonitoringFacade } from 'cdk-monitoring-constructs';
import { ENV, plainResources, serviceName, stackSizes } from './shape';

export function build(app: App, functions: number): void {
  stackSizes(functions).forEach((count, s) => {
    const stack = new Stack(app, `Service${s + 1}`, { env: ENV });
    const { functions: fns, queues } = plainResources(stack, count);
    const facade = new MonitoringFacade(stack, 'Monitoring', {
      alarmFactoryDefaults: { alarmNamePrefix: stack.stackName, actionsEnabled: true, evaluationPeriods: 3, datapointsToAlarm: 2 },
    });
    const services = fns.map((_, i) => serviceName(stack, i));
    fns.forEach((fn, i) => {
      const customTags = [services[i]];
      facade.monitorLambdaFunction({
        lambdaFunction: fn,
        alarmFriendlyName: services[i],
        addFaultRateAlarm: { Critical: { maxErrorRate: 5, customTags } },
        addThrottlesCountAlarm: { Critical: { maxErrorCount: 0, customTags } },
        addLatencyP99Alarm: { Critical: { maxLatency: Duration.seconds(8), customTags } },
      });
    });
    queues.forEach(({ queue, deadLetterQueue, consumer }, q) => {
      const customTags = [services[fns.indexOf(consumer)]];
      facade.monitorSqsQueueWithDlq({
        queue,
        deadLetterQueue,
        alarmFriendlyName: `${customTags[0]}-queue${q + 1}`,
        addDeadLetterQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0, customTags, evaluationPeriods: 1, datapointsToAlarm: 1 } },
        addQueueMaxMessageAgeAlarm: { Critical: { maxAgeInSeconds: 120, customTags, evaluationPeriods: 3, datapointsToAlarm: 3 } },
      });
    });
    for (const service of services) facade.createCompositeAlarmUsingTag(service, { disambiguator: 'Critical', alarmNameSuffix: `${service}-health` });
  });
}
