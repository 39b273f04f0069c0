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
        Properties p = client("payments-producer");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        producer = new KafkaProducer<>(p);

        Properties c = client("payments-consumer");
        c.put("group.id", "payments");
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
    }

    /** The settings producer and consumer share: the broker that is not there, and the id. */
    private static Properties client(String clientId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", System.getProperty("moalog.kafka.bootstrap"));
        p.put("client.id", clientId);
        p.put("reconnect.backoff.ms", "1000");
        p.put("reconnect.backoff.max.ms", "10000");
        return p;
    }
}
