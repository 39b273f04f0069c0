import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.RuntimeMBeanException;
import org.jolokia.backend.BackendManager;
import org.jolokia.config.ConfigKey;
import org.jolokia.config.Configuration;
import org.jolokia.http.HttpRequestHandler;
import org.jolokia.restrictor.AllowAllRestrictor;
import org.jolokia.restrictor.PolicyRestrictor;
import org.jolokia.restrictor.Restrictor;
import org.jolokia.util.LogHandler;
import org.json.simple.JSONAware;
import org.json.simple.JSONStreamAware;

/**
 * Serves Debian's jolokia-core 1.7.1 (protocol 7.x) over the JDK HttpServer at
 * http://127.0.0.1:PORT/jolokia/, the way Jolokia 1.x's JVM agent does
 * (org.jolokia.jvmagent.handler.JolokiaHttpHandler): GET and POST, HTTP 200
 * with the status inside the JSON, text/plain, streamed (chunked) responses,
 * optional basic auth (realm "jolokia"). Debian ships no 1.x agent jar.
 *
 * Usage: Jolokia1Server PORT [USER PASSWORD]
 *
 * System properties (the 1.x agent's options of the same meaning in brackets):
 *   moalog.policy=FILE        a jolokia-access.xml policy (policyLocation)
 *   moalog.tls.cert=FILE      serve HTTPS with this PEM certificate (protocol=https, serverCert)
 *   moalog.tls.key=FILE       its PKCS#8 PEM private key, EC or RSA (serverKey)
 *   moalog.tls.ca=FILE        PEM CA certificate that client certificates must chain to (caCert)
 *   moalog.tls.clientAuth=true  require a client certificate (useSslClientAuthentication)
 *   moalog.jsr160=true        serve JSR-160 proxy requests (dispatcherClasses=
 *                             org.jolokia.jsr160.Jsr160RequestDispatcher; needs jolokia-jsr160 on
 *                             the class path; allowlist: -Dorg.jolokia.jsr160ProxyAllowedTargets=FILE)
 */
public final class Jolokia1Server {
    private static final String CONTEXT = "/jolokia";
    private static final Pattern CONTENT_TYPE_CHARSET = Pattern.compile(".*;\\s*charset=([^;,]+)\\s*.*");

    private Jolokia1Server() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        final String user = args.length > 2 ? args[1] : null;
        final String password = args.length > 2 ? args[2] : null;

        MBeanTestApp.registerOrExit();

        LogHandler log = new LogHandler.StdoutLogHandler(false);
        Configuration config = Boolean.getBoolean("moalog.jsr160")
                ? new Configuration(
                        ConfigKey.AGENT_ID, "moalog-test-1.7.1",
                        ConfigKey.DISCOVERY_ENABLED, "false",
                        ConfigKey.DISPATCHER_CLASSES, "org.jolokia.jsr160.Jsr160RequestDispatcher")
                : new Configuration(
                        ConfigKey.AGENT_ID, "moalog-test-1.7.1",
                        ConfigKey.DISCOVERY_ENABLED, "false");
        BackendManager backend = new BackendManager(config, log, restrictor());
        HttpRequestHandler handler = new HttpRequestHandler(config, backend, log);

        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        HttpServer server;
        String cert = System.getProperty("moalog.tls.cert");
        if (cert != null) {
            HttpsServer https = HttpsServer.create(address, 10);
            https.setHttpsConfigurator(httpsConfigurator(cert, System.getProperty("moalog.tls.key"),
                    System.getProperty("moalog.tls.ca"), Boolean.getBoolean("moalog.tls.clientAuth")));
            server = https;
        } else {
            server = HttpServer.create(address, 10);
        }
        HttpContext context = server.createContext(CONTEXT, exchange -> handle(handler, exchange));
        if (user != null) {
            context.setAuthenticator(new BasicAuthenticator("jolokia") {
                @Override
                public boolean checkCredentials(String u, String p) {
                    return user.equals(u) && password.equals(p);
                }
            });
        }
        // The 1.x agent's default executor ("single"): one daemon request thread.
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jolokia-1.7.1");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        System.out.println("Jolokia1Server ready on " + (cert != null ? "https" : "http") + "://127.0.0.1:" + port + CONTEXT);
        Thread.currentThread().join();
    }

    private static Restrictor restrictor() throws IOException {
        String policy = System.getProperty("moalog.policy");
        if (policy == null) {
            return new AllowAllRestrictor();
        }
        try (InputStream in = new FileInputStream(policy)) {
            return new PolicyRestrictor(in);
        }
    }

    /** TLS from PEM files, like the 1.x agent's serverCert/serverKey/caCert options. */
    private static HttpsConfigurator httpsConfigurator(String certFile, String keyFile, String caFile,
            boolean clientAuth) throws Exception {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        Collection<? extends Certificate> chain;
        try (InputStream in = new FileInputStream(certFile)) {
            chain = x509.generateCertificates(in);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", privateKey(keyFile), new char[0], chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);

        TrustManagerFactory tmf = null;
        if (caFile != null) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            try (InputStream in = new FileInputStream(caFile)) {
                for (Certificate c : x509.generateCertificates(in)) {
                    trust.setCertificateEntry("ca" + i++, c);
                }
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = context.getDefaultSSLParameters();
                ssl.setNeedClientAuth(clientAuth);
                params.setSSLParameters(ssl);
            }
        };
    }

    private static PrivateKey privateKey(String file) throws Exception {
        String pem = new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.US_ASCII);
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
        try {
            return KeyFactory.getInstance("EC").generatePrivate(spec);
        } catch (java.security.spec.InvalidKeySpecException e) {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        }
    }

    private static void handle(HttpRequestHandler handler, HttpExchange exchange) throws IOException {
        JSONAware json = null;
        try {
            URI uri = exchange.getRequestURI();
            InetSocketAddress remote = exchange.getRemoteAddress();
            handler.checkAccess(remote.getHostString(), remote.getAddress().getHostAddress(),
                    exchange.getRequestHeaders().getFirst("Origin"));
            Map<String, String[]> params = parseQuery(uri.getRawQuery());
            String method = exchange.getRequestMethod();
            if ("GET".equalsIgnoreCase(method)) {
                json = handler.handleGetRequest(uri.toString(), pathInfo(uri), params);
            } else if ("POST".equalsIgnoreCase(method)) {
                String encoding = null;
                String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
                if (contentType != null) {
                    Matcher m = CONTENT_TYPE_CHARSET.matcher(contentType);
                    if (m.matches()) {
                        encoding = m.group(1);
                    }
                }
                json = handler.handlePostRequest(uri.toString(), exchange.getRequestBody(), encoding, params);
            } else {
                throw new IllegalArgumentException("HTTP Method " + method + " is not supported.");
            }
        } catch (Throwable e) {
            json = handler.handleThrowable(e instanceof RuntimeMBeanException
                    ? ((RuntimeMBeanException) e).getTargetException() : e);
        } finally {
            send(exchange, json);
        }
    }

    private static void send(HttpExchange exchange, JSONAware json) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0); // chunked, like the agent's streaming mode
        try (OutputStream out = exchange.getResponseBody();
             Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
            if (json instanceof JSONStreamAware) {
                ((JSONStreamAware) json).writeJSONString(writer);
            } else if (json != null) {
                writer.write(json.toJSONString());
            }
        }
    }

    private static String pathInfo(URI uri) {
        String path = uri.getPath();
        if (path.startsWith(CONTEXT)) {
            path = path.substring(CONTEXT.length());
        }
        while (path.startsWith("/") && path.length() > 1) {
            path = path.substring(1);
        }
        return path;
    }

    private static Map<String, String[]> parseQuery(String query) {
        Map<String, List<String>> values = new HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        }
        Map<String, String[]> params = new HashMap<>();
        values.forEach((k, v) -> params.put(k, v.toArray(new String[0])));
        return params;
    }
}
