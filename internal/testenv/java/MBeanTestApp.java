import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/**
 * The test application of the Jolokia receiver's tests: registers MBeans with
 * fixed, known values in the platform MBeanServer and then idles.
 *
 * Run with the Jolokia 2.x agent: java -javaagent:...=port=N MBeanTestApp.
 * Jolokia1Server calls register() and serves Jolokia 1.7.1 itself.
 *
 * System properties:
 *   moalog.benchItems=N       also registers com.moalog.bench:type=Item,name=0..N-1
 *   moalog.commonsPool2=true  also runs CommonsPool2App.register() (java/pool/, needs
 *                             commons-pool2 on the class path)
 *   moalog.systemGC=true      calls System.gc() once before "ready", so every collector and
 *                             pool has run at least one full collection (CollectionCount >= 1)
 *   moalog.slowMillis=N       also registers com.moalog.test:type=Slow whose Value (long 1)
 *                             takes N ms to read (the agent's request thread waits with it)
 *   moalog.bigBytes=N         also registers com.moalog.test:type=Big whose Payload is a String
 *                             of N 'x' characters (a response body larger than N bytes)
 *   moalog.apps=A,B           also runs A.register(), B.register(), ... (java/apps/: TomcatApp,
 *                             KafkaClientApp, MicrometerJmxApp, HikariCPApp, R2dbcPoolApp; each
 *                             compiled separately and needing its libraries on the class path)
 *   moalog.paymentsDomain=D   also registers the two Payments MBeans as D:type=Payments,name=...
 *                             (compose/demo/jvm.Dockerfile: com.fluxpay, what compose/otelcol.yaml reads)
 *   moalog.control=true       also registers com.moalog.test:type=Control, whose operation
 *                             unregister(objectName) lets a test remove an MBean while the JVM
 *                             runs (a Jolokia exec request; the receiver itself never sends one)
 */
public final class MBeanTestApp {
    private MBeanTestApp() {}

    public static void main(String[] args) throws Exception {
        registerOrExit();
        System.out.println("MBeanTestApp ready");
        Thread.currentThread().join();
    }

    /**
     * register(), or exit with status 1 when it fails: library profiles start non-daemon
     * threads, and a JVM left running without its MBeans would only time out.
     */
    public static void registerOrExit() {
        try {
            register();
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Registers every test MBean; com.moalog.test:type=Dynamic comes last (readiness marker). */
    public static void register() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<String> paymentsDomains = new ArrayList<>(List.of("com.moalog.test"));
        String extraPaymentsDomain = System.getProperty("moalog.paymentsDomain");
        if (extraPaymentsDomain != null) {
            paymentsDomains.add(extraPaymentsDomain);
        }
        for (String domain : paymentsDomains) {
            server.registerMBean(new StandardMBean(new Payments(42, 12.5, true), PaymentsMBean.class),
                    new ObjectName(domain + ":type=Payments,name=card"));
            server.registerMBean(new StandardMBean(new Payments(7, 0.25, false), PaymentsMBean.class),
                    new ObjectName(domain + ":type=Payments,name=bank"));
        }
        server.registerMBean(new StandardMBean(new Pool(), PoolMBean.class),
                new ObjectName("com.moalog.test:type=Pool,name=main"));
        server.registerMBean(new StandardMBean(new Counters(), CountersMBean.class),
                new ObjectName("com.moalog.test:type=Counters"));
        server.registerMBean(new StandardMBean(new Quoted(), QuotedMBean.class),
                new ObjectName("com.moalog.test:type=Quoted,name=" + ObjectName.quote("a,b")));
        int benchItems = Integer.getInteger("moalog.benchItems", 0);
        for (int i = 0; i < benchItems; i++) {
            server.registerMBean(new StandardMBean(new Item(i), ItemMBean.class),
                    new ObjectName("com.moalog.bench:type=Item,name=" + i));
        }
        if (Boolean.getBoolean("moalog.commonsPool2")) {
            // Loaded by name: it is compiled separately, against the commons-pool2 jar.
            Class.forName("CommonsPool2App").getMethod("register").invoke(null);
        }
        for (String app : System.getProperty("moalog.apps", "").split(",")) {
            if (!app.isEmpty()) {
                Class.forName(app).getMethod("register").invoke(null);
            }
        }
        long slowMillis = Long.getLong("moalog.slowMillis", 0);
        if (slowMillis > 0) {
            server.registerMBean(new StandardMBean(new Slow(slowMillis), SlowMBean.class),
                    new ObjectName("com.moalog.test:type=Slow"));
        }
        int bigBytes = Integer.getInteger("moalog.bigBytes", 0);
        if (bigBytes > 0) {
            server.registerMBean(new StandardMBean(new Big("x".repeat(bigBytes)), BigMBean.class),
                    new ObjectName("com.moalog.test:type=Big"));
        }
        if (Boolean.getBoolean("moalog.control")) {
            server.registerMBean(new StandardMBean(new Control(server), ControlMBean.class),
                    new ObjectName("com.moalog.test:type=Control"));
        }
        if (Boolean.getBoolean("moalog.systemGC")) {
            System.gc();
        }
        server.registerMBean(new StandardMBean(new Dynamic(), DynamicMBean.class),
                new ObjectName("com.moalog.test:type=Dynamic"));
    }

    public interface ControlMBean {
        void unregister(String objectName) throws Exception;
    }

    public static final class Control implements ControlMBean {
        private final MBeanServer server;

        Control(MBeanServer server) { this.server = server; }

        public void unregister(String objectName) throws Exception {
            server.unregisterMBean(new ObjectName(objectName));
        }
    }

    public interface SlowMBean {
        long getValue() throws InterruptedException;
    }

    public static final class Slow implements SlowMBean {
        private final long millis;

        Slow(long millis) { this.millis = millis; }

        public long getValue() throws InterruptedException {
            Thread.sleep(millis);
            return 1L;
        }
    }

    public interface BigMBean {
        String getPayload();
    }

    public static final class Big implements BigMBean {
        private final String payload;

        Big(String payload) { this.payload = payload; }

        public String getPayload() { return payload; }
    }

    public interface PaymentsMBean {
        long getTotalPayments();
        double getAmount();
        boolean isEnabled();
        String getStatus();
    }

    public static final class Payments implements PaymentsMBean {
        private final long total;
        private final double amount;
        private final boolean enabled;

        Payments(long total, double amount, boolean enabled) {
            this.total = total;
            this.amount = amount;
            this.enabled = enabled;
        }

        public long getTotalPayments() { return total; }
        public double getAmount() { return amount; }
        public boolean isEnabled() { return enabled; }
        public String getStatus() { return "OK"; }
    }

    public interface PoolMBean {
        CompositeData getUsage();
        CompositeData getLimits();
        TabularData getByRegion();
    }

    public static final class Pool implements PoolMBean {
        public CompositeData getUsage() {
            return composite("Usage", new String[] {"used", "committed", "max", "init"},
                    new Object[] {300L, 500L, 1000L, 100L});
        }

        public CompositeData getLimits() {
            return composite("Limits", new String[] {"max"}, new Object[] {-1L});
        }

        public TabularData getByRegion() {
            try {
                CompositeType row = new CompositeType("Region", "one region",
                        new String[] {"region", "value"}, new String[] {"region", "value"},
                        new OpenType<?>[] {SimpleType.STRING, SimpleType.LONG});
                TabularDataSupport table = new TabularDataSupport(
                        new TabularType("ByRegion", "values by region", row, new String[] {"region"}));
                table.put(new CompositeDataSupport(row, new String[] {"region", "value"}, new Object[] {"eu", 3L}));
                table.put(new CompositeDataSupport(row, new String[] {"region", "value"}, new Object[] {"us", 5L}));
                return table;
            } catch (OpenDataException e) {
                throw new IllegalStateException(e);
            }
        }

        private static CompositeData composite(String name, String[] keys, Object[] values) {
            try {
                OpenType<?>[] types = new OpenType<?>[keys.length];
                java.util.Arrays.fill(types, SimpleType.LONG);
                return new CompositeDataSupport(new CompositeType(name, name, keys, keys, types), keys, values);
            } catch (OpenDataException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public interface CountersMBean {
        long getBig();
        long getHuge();
        long getNegative();
        double getRatio();
        double getInf();
        long getUnlimited();
        String getText();
        String getNothing();
    }

    public static final class Counters implements CountersMBean {
        public long getBig() { return 9007199254740993L; }
        public long getHuge() { return Long.MAX_VALUE; }
        public long getNegative() { return -5L; }
        public double getRatio() { return Double.NaN; }
        public double getInf() { return Double.POSITIVE_INFINITY; }
        public long getUnlimited() { return -1L; }
        public String getText() { return "12.75"; }
        public String getNothing() { return null; }
    }

    public interface QuotedMBean {
        int getValue();
    }

    public static final class Quoted implements QuotedMBean {
        public int getValue() { return 5; }
    }

    /** Ticks counts seconds since start; Writable and reset() exist to prove nothing writes or executes. */
    public interface DynamicMBean {
        long getTicks();
        int getWritable();
        void setWritable(int value);
        void reset();
    }

    public static final class Dynamic implements DynamicMBean {
        private volatile long start = System.nanoTime();
        private final AtomicInteger writable = new AtomicInteger();

        public long getTicks() { return (System.nanoTime() - start) / 1_000_000_000L; }
        public int getWritable() { return writable.get(); }
        public void setWritable(int value) { writable.set(value); }
        public void reset() {
            start = System.nanoTime();
            writable.set(0);
        }
    }

    /** One of the moalog.benchItems MBeans: a few numeric attributes derived from its index. */
    public interface ItemMBean {
        long getCount();
        double getLatency();
        int getSize();
        long getErrors();
    }

    public static final class Item implements ItemMBean {
        private final int index;

        Item(int index) { this.index = index; }

        public long getCount() { return 1000L * index; }
        public double getLatency() { return index / 4.0; }
        public int getSize() { return index % 100; }
        public long getErrors() { return index % 7; }
    }
}
