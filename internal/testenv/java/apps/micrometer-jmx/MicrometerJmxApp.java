import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "micrometer-jmx" profile of the test app: a Micrometer JmxMeterRegistry (micrometer-registry-jmx,
 * the version Spring Boot 3.2 ships; it publishes through Dropwizard's JmxReporter in the "metrics"
 * domain) with meters named like the platform's own, in a known state:
 *   counter rate.limiter.requests{algorithm=token_bucket,allowed=true}  incremented 5 times
 *   counter rate.limiter.requests{algorithm=token_bucket,allowed=false} incremented 2 times
 *   timer   rate.limiter.check{algorithm=token_bucket}                  10 ms, 20 ms, 30 ms
 *   gauge   fluxpay.outbox.pending                                      4
 */
public final class MicrometerJmxApp {
    private static JmxMeterRegistry registry;
    private static final AtomicInteger pending = new AtomicInteger(4);

    private MicrometerJmxApp() {}

    public static synchronized void register() {
        registry = new JmxMeterRegistry(JmxConfig.DEFAULT, Clock.SYSTEM);
        Counter allowed = Counter.builder("rate.limiter.requests").tag("algorithm", "token_bucket").tag("allowed", "true")
                .description("rate limiter decisions").register(registry);
        Counter denied = Counter.builder("rate.limiter.requests").tag("algorithm", "token_bucket").tag("allowed", "false")
                .description("rate limiter decisions").register(registry);
        allowed.increment(5);
        denied.increment(2);
        Timer check = Timer.builder("rate.limiter.check").tag("algorithm", "token_bucket").register(registry);
        check.record(Duration.ofMillis(10));
        check.record(Duration.ofMillis(20));
        check.record(Duration.ofMillis(30));
        Gauge.builder("fluxpay.outbox.pending", pending, AtomicInteger::get).register(registry);
    }
}
