import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * The "tomcat" profile of the test app: a real embedded Tomcat (tomcat-embed-core, the version
 * Spring Boot 3.2 ships) on 127.0.0.1:${moalog.tomcat.port}, with its MBeans in the "Tomcat"
 * domain, brought into a known state by real HTTP requests before register() returns:
 *   GET /hello x3 (200), GET /missing (404), GET /fail (500), GET /session x2 (200, new session each)
 * so Tomcat:type=GlobalRequestProcessor,name="http-nio-127.0.0.1-PORT" has requestCount 7 and
 * errorCount 2, and Tomcat:type=Manager,host=localhost,context=/ has activeSessions 2 and
 * sessionCounter 2. The connector's thread pool has maxThreads 20.
 */
public final class TomcatApp {
    private static Tomcat tomcat;

    private TomcatApp() {}

    public static synchronized void register() throws Exception {
        int port = Integer.getInteger("moalog.tomcat.port");
        File base = Files.createTempDirectory("tomcat-test").toFile();
        base.deleteOnExit();
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.getAbsolutePath());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxThreads", "20");
        tomcat.setConnector(connector); // also adds it to the service

        Context context = tomcat.addContext("", base.getAbsolutePath());
        Tomcat.addServlet(context, "hello", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setContentType("text/plain");
                resp.getWriter().write("hello\n");
            }
        });
        context.addServletMappingDecoded("/hello", "hello");
        Tomcat.addServlet(context, "fail", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.sendError(500, "failing on purpose");
            }
        });
        context.addServletMappingDecoded("/fail", "fail");
        Tomcat.addServlet(context, "session", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                req.getSession(true).setAttribute("user", "test");
                resp.getWriter().write("session\n");
            }
        });
        context.addServletMappingDecoded("/session", "session");
        tomcat.start();

        for (String path : new String[] {"/hello", "/hello", "/hello", "/missing", "/fail", "/session", "/session"}) {
            get(port, path);
        }
        // Tomcat updates its counters after the response is sent: wait until they show all 7.
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName global = new ObjectName("Tomcat:type=GlobalRequestProcessor,name=" + ObjectName.quote("http-nio-127.0.0.1-" + port));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (((Number) server.getAttribute(global, "requestCount")).intValue() < 7) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Tomcat's requestCount stays below 7");
            }
            Thread.sleep(10);
        }
    }

    private static void get(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        c.setRequestProperty("Connection", "close");
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        }
        c.disconnect();
    }
}
