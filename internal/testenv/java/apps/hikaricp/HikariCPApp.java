import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The "hikaricp" profile of the test app: a real HikariCP pool (the version Spring Boot 3.2 ships)
 * named fluxpay-db with registerMbeans=true, pooling real JDBC connections to ${moalog.jdbc.url}
 * (user ${moalog.jdbc.user}, password ${moalog.jdbc.password}; default: an in-memory H2 database;
 * the MariaDB driver is on the class path too). Fixed size 4 (minimumIdle = maximumPoolSize = 4),
 * 2 connections borrowed and held after running SELECT 1, so
 * com.zaxxer.hikari:type=Pool (fluxpay-db) has ActiveConnections 2, IdleConnections 2,
 * TotalConnections 4, ThreadsAwaitingConnection 0, and
 * com.zaxxer.hikari:type=PoolConfig (fluxpay-db) has MaximumPoolSize 4, MinimumIdle 4.
 */
public final class HikariCPApp {
    private static HikariDataSource dataSource;
    private static final List<Connection> held = new ArrayList<>();

    private HikariCPApp() {}

    public static synchronized void register() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setPoolName("fluxpay-db");
        config.setJdbcUrl(System.getProperty("moalog.jdbc.url", "jdbc:h2:mem:fluxpay;DB_CLOSE_DELAY=-1"));
        config.setUsername(System.getProperty("moalog.jdbc.user", "sa"));
        config.setPassword(System.getProperty("moalog.jdbc.password", ""));
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(4);
        config.setRegisterMbeans(true);
        dataSource = new HikariDataSource(config);
        for (int i = 0; i < 2; i++) {
            Connection c = dataSource.getConnection();
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
                r.next();
            }
            held.add(c);
        }
        // HikariCP fills the pool in the background: wait until all 4 connections exist.
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName pool = new ObjectName("com.zaxxer.hikari:type=Pool (fluxpay-db)");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (((Number) server.getAttribute(pool, "TotalConnections")).intValue() < 4) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("HikariCP fluxpay-db stays below 4 connections");
            }
            Thread.sleep(10);
        }
    }
}
