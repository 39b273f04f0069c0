import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * The "r2dbc-pool" profile of the test app: a real r2dbc-pool ConnectionPool (the version Spring
 * Boot 3.2 ships) named fluxpay-r2dbc with registerJmx=true, pooling real R2DBC connections to an
 * in-memory H2 database (r2dbc-h2). initialSize 3, maxSize 5, 2 connections acquired and held
 * after running SELECT 1, so io.r2dbc.pool:name=fluxpay-r2dbc,type=ConnectionPool has
 * AcquiredSize 2, AllocatedSize 3, IdleSize 1, PendingAcquireSize 0, MaxAllocatedSize 5.
 */
public final class R2dbcPoolApp {
    private static ConnectionPool pool;
    private static final List<Connection> held = new ArrayList<>();

    private R2dbcPoolApp() {}

    public static synchronized void register() {
        ConnectionPoolConfiguration config = ConnectionPoolConfiguration.builder(H2ConnectionFactory.inMemory("fluxpay"))
                .name("fluxpay-r2dbc")
                .initialSize(3)
                .maxSize(5)
                .registerJmx(true)
                .build();
        pool = new ConnectionPool(config);
        pool.warmup().block();
        for (int i = 0; i < 2; i++) {
            Connection c = pool.create().block();
            Flux.from(c.createStatement("SELECT 1").execute())
                    .flatMap(result -> result.map((row, meta) -> row.get(0)))
                    .blockLast();
            held.add(c);
        }
    }
}
