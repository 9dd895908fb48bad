package io.github.cdkserverlesstracing.consumer;

import java.util.List;
import java.util.Map;

import io.github.cdkserverlesstracing.EventBusConsumerOptions;
import io.github.cdkserverlesstracing.TracedEventBus;
import io.github.cdkserverlesstracing.TracedFunction;
import io.github.cdkserverlesstracing.TracedQueue;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Runtime;

/** The consumer packaging test's app in Java: the same app as ../../app.ts, through the cdk-serverless-tracing jar. */
public final class App {
    private App() {
    }

    public static void main(final String[] args) {
        software.amazon.awscdk.App app = new software.amazon.awscdk.App(AppProps.builder()
                .outdir(args[0])
                .context(Map.of("aws:cdk:version-reporting", false))
                .build());
        Stack stack = new Stack(app, "ConsumerApp", StackProps.builder()
                .env(Environment.builder().account("123456789012").region("eu-west-1").build())
                .build());
        Code code = Code.fromInline("exports.handler = async () => ({});");
        TracedFunction api = TracedFunction.Builder.create(stack, "Api")
                .runtime(Runtime.NODEJS_22_X).handler("index.handler").code(code).memorySize(256)
                .build();
        TracedFunction worker = TracedFunction.Builder.create(stack, "Worker")
                .runtime(Runtime.NODEJS_22_X).handler("index.handler").code(code).memorySize(256)
                .timeout(Duration.seconds(30))
                .build();
        TracedQueue jobs = new TracedQueue(stack, "Jobs");
        jobs.addProducer(api);
        jobs.addConsumer(worker);
        TracedEventBus bus = new TracedEventBus(stack, "Events");
        bus.addProducer(worker);
        bus.addConsumer("JobDone", api, EventBusConsumerOptions.builder()
                .eventPattern(EventPattern.builder().source(List.of("consumer.app")).detailType(List.of("JobDone")).build())
                .build());
        app.synth();
    }
}
