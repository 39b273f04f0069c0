import java.util.ArrayList;
import java.util.List;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

/**
 * The commons-pool2 profile of the test app (MBeanTestApp with
 * -Dmoalog.commonsPool2=true and commons-pool2 2.12.1 on the class path):
 * a real GenericObjectPool with JMX enabled, registered as
 * org.apache.commons.pool2:type=GenericObjectPool,name=redis-pool, in a known state:
 * 5 objects created, 4 borrowed, 1 returned, so NumActive=3, NumIdle=2,
 * CreatedCount=5, BorrowedCount=4, ReturnedCount=1, DestroyedCount=0, MaxTotal=8.
 * No evictor runs, so the state stays as it is.
 */
public final class CommonsPool2App {
    /** What the pool hands out: a stand-in for a client connection. */
    public static final class Connection {
        final int id;

        Connection(int id) { this.id = id; }
    }

    private static GenericObjectPool<Connection> pool;
    private static final List<Connection> borrowed = new ArrayList<>();

    private CommonsPool2App() {}

    public static synchronized void register() throws Exception {
        GenericObjectPoolConfig<Connection> config = new GenericObjectPoolConfig<>();
        config.setJmxEnabled(true);
        config.setJmxNamePrefix("redis-pool");
        config.setMaxTotal(8);
        config.setMaxIdle(8);
        config.setMinIdle(0);
        pool = new GenericObjectPool<>(new BasePooledObjectFactory<Connection>() {
            private int next;

            @Override
            public Connection create() {
                return new Connection(++next);
            }

            @Override
            public PooledObject<Connection> wrap(Connection c) {
                return new DefaultPooledObject<>(c);
            }
        }, config);
        pool.addObjects(5);
        for (int i = 0; i < 4; i++) {
            borrowed.add(pool.borrowObject());
        }
        pool.returnObject(borrowed.remove(borrowed.size() - 1));
    }
}
