import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The "kafka-client" profile of the test app: a real Kafka producer (client.id payments-producer)
 * and consumer (client.id payments-consumer, group.id payments) from kafka-clients (the version
 * Spring Boot 3.2 ships), with no broker. Both register their metrics MBeans when created:
 * kafka.producer:type=producer-metrics,client-id=payments-producer,
 * kafka.consumer:type=consumer-metrics,client-id=payments-consumer, app-info, per-node metrics...
 * Nothing is sent or polled, so the counters stay at 0 and many averages are NaN.
 * bootstrap.servers is ${moalog.kafka.bootstrap}: a loopback port where nothing listens.
 */
public final class KafkaClientApp {
    private static KafkaProducer<String, String> producer;
    private static KafkaConsumer<String, String> consumer;

    private KafkaClientApp() {}

    public static synchronized void register() {
        String bootstrap = System.getProperty("moalog.kafka.bootstrap");

        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", "payments-producer");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("reconnect.backoff.ms", "1000");
        p.put("reconnect.backoff.max.ms", "10000");
        producer = new KafkaProducer<>(p);

        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("client.id", "payments-consumer");
        c.put("group.id", "payments");
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", StringDeserializer.class.getName());
        c.put("reconnect.backoff.ms", "1000");
        c.put("reconnect.backoff.max.ms", "10000");
        consumer = new KafkaConsumer<>(c);
    }
}
