package testenv

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

//go:embed java/*.java java/pool/*.java java/apps/*/*.java
var javaSources embed.FS

// JavaApp is a library profile of the test JVM: java/apps/<name>/, a small
// program that runs a real library from Maven Central (pinned in that
// folder's pom.xml, copied into .cache/java-deps/<name>/ by
// scripts/install-deps.sh) in a known state, so that its own MBeans are there
// to read. java/README.md lists each one's MBeans and values.
type JavaApp string

const (
	// AppTomcat: embedded Tomcat 10.1.17 on JVM.TomcatPort after 7 requests
	// (Tomcat:type=GlobalRequestProcessor, ThreadPool, Manager, ...).
	AppTomcat JavaApp = "tomcat"
	// AppKafkaClient: a kafka-clients 3.6.1 producer and consumer with no
	// broker (kafka.producer:*, kafka.consumer:*).
	AppKafkaClient JavaApp = "kafka-client"
	// AppMicrometerJMX: a Micrometer 1.12.1 JmxMeterRegistry with counters,
	// a timer and a gauge (metrics:*).
	AppMicrometerJMX JavaApp = "micrometer-jmx"
	// AppHikariCP: a HikariCP 5.0.1 pool "fluxpay-db" of 4 real JDBC
	// connections, 2 in use (com.zaxxer.hikari:type=Pool (fluxpay-db)), to
	// JVMOptions.JDBC or, without it, an in-memory H2 database.
	AppHikariCP JavaApp = "hikaricp"
	// AppR2DBCPool: an r2dbc-pool 1.0.1 pool "fluxpay-r2dbc" of 3 real R2DBC
	// connections to in-memory H2, 2 acquired
	// (io.r2dbc.pool:name=fluxpay-r2dbc,type=ConnectionPool).
	AppR2DBCPool JavaApp = "r2dbc-pool"
)

// JavaApps lists every library profile.
var JavaApps = []JavaApp{AppTomcat, AppKafkaClient, AppMicrometerJMX, AppHikariCP, AppR2DBCPool}

// javaAppClass is the class in java/apps/<app>/ whose static register() runs.
var javaAppClass = map[JavaApp]string{
	AppTomcat:        "TomcatApp",
	AppKafkaClient:   "KafkaClientApp",
	AppMicrometerJMX: "MicrometerJmxApp",
	AppHikariCP:      "HikariCPApp",
	AppR2DBCPool:     "R2dbcPoolApp",
}

// JDBC is the database AppHikariCP pools connections to.
type JDBC struct {
	URL, User, Password string
}

// JolokiaAgent selects the Jolokia implementation the test JVM serves.
type JolokiaAgent int

const (
	// JolokiaAgent2 is Maven Central org.jolokia:jolokia-agent-jvm 2.4.2 as
	// -javaagent (protocol 8.x).
	JolokiaAgent2 JolokiaAgent = iota
	// JolokiaCore1 is Debian's libjolokia-core-java 1.7.1 served by
	// java/Jolokia1Server.java over the JDK HttpServer (protocol 7.x).
	JolokiaCore1
	// JolokiaAgent1 is Maven Central org.jolokia:jolokia-jvm 1.7.2, the real
	// 1.x JVM agent, as -javaagent (protocol 7.2). Its context is /jolokia/:
	// a request to /jolokia (no slash) gets HTTP 404 text/html, so
	// JVM.Endpoint ends with a slash. Not in JolokiaAgents:
	// TestJolokia1CoreMatchesAgent shows JolokiaCore1 answers the same bodies.
	JolokiaAgent1
)

// JolokiaAgents lists the agents tests run against: the 2.x agent and the
// 1.7.1 core (which answers like the 1.x agent, JolokiaAgent1).
var JolokiaAgents = []JolokiaAgent{JolokiaAgent2, JolokiaCore1}

func (a JolokiaAgent) String() string {
	switch a {
	case JolokiaAgent2:
		return "jolokia-2.4.2-agent"
	case JolokiaCore1:
		return "jolokia-1.7.1-core"
	case JolokiaAgent1:
		return "jolokia-1.7.2-agent"
	}
	return "jolokia-agent(" + strconv.Itoa(int(a)) + ")"
}

// Jar paths; a relative one is under CacheDir(). scripts/install-deps.sh
// fetches the 2.x agent and jmx_exporter, and copies the library jars pinned
// in java/pom.xml into java-deps/; the 1.x core jars come from the Debian
// packages libjolokia-core-java and libjson-simple-java.
const (
	jolokia2AgentJar  = "jolokia/jolokia-agent-jvm-2.4.2-javaagent.jar"
	jmxExporterJar    = "jmx_exporter/jmx_prometheus_javaagent-1.0.1.jar" // io.prometheus.jmx:jmx_prometheus_javaagent
	javaDeps          = "java-deps"
	commonsPool2Jar   = javaDeps + "/commons-pool2-2.12.1.jar"
	jolokia1JSR160Jar = javaDeps + "/jolokia-jsr160-1.7.1.jar"
	jolokia1AgentJar  = javaDeps + "/jolokia-jvm-1.7.2.jar"
	jolokia1CoreJar   = "/usr/share/java/jolokia-core.jar"
	jsonSimpleJar     = "/usr/share/java/json-simple.jar"
)

// DefaultJVMArgs are the JVM flags every test JVM starts with; ExtraArgs come
// after them and may override them. sun.net.httpserver.nodelay stays at the
// JDK default (false) so latency is measured against the real default.
var DefaultJVMArgs = []string{"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"}

// ReadOnlyPolicy is a Jolokia policy (jolokia-access.xml) that allows only the
// request types the receiver sends: read, list, search and version. Both
// agents then answer exec and write entries with status 403 (inside an
// HTTP 200 response) and leave the MBeans unchanged.
const ReadOnlyPolicy = `<?xml version="1.0" encoding="utf-8"?>
<restrict>
  <commands>
    <command>read</command>
    <command>list</command>
    <command>search</command>
    <command>version</command>
  </commands>
</restrict>
`

// GC is a HotSpot garbage collector, by its -XX:+Use<name>GC flag.
type GC string

const (
	GCSerial   GC = "Serial"   // pools Eden Space, Survivor Space, Tenured Gen; collectors Copy, MarkSweepCompact
	GCG1       GC = "G1"       // pools G1 Eden Space, G1 Survivor Space, G1 Old Gen; collectors G1 Young Generation, G1 Old Generation
	GCParallel GC = "Parallel" // pools PS Eden Space, PS Survivor Space, PS Old Gen; collectors PS Scavenge, PS MarkSweep
	GCZ        GC = "Z"        // pools ZHeap; collectors ZGC Cycles, ZGC Pauses (Java 17)
)

// JVMOptions configures StartJVM.
type JVMOptions struct {
	Agent JolokiaAgent
	// User and Password turn on HTTP basic auth when User is set. Any
	// characters work: the 2.x agent reads them from a properties file.
	User, Password string
	// TLS serves the endpoint over HTTPS with TLS.ServerCert/ServerKey
	// (make it with NewTestPKI(t, dir, "127.0.0.1")). The endpoint is then
	// https://; JVM.Post and JVM.HTTPClient trust TLS.CACert.
	TLS *TestPKI
	// ClientAuth (with TLS) requires a client certificate signed by
	// TLS.CACert; JVM.Post presents TLS.ClientCert. Without one, 2.4.2
	// completes the handshake and answers HTTP 403 (empty body); 1.7.1 (like
	// the 1.x agent) fails the TLS handshake. With User set, both agents
	// require the certificate and the password.
	ClientAuth bool
	// Policy is the content of a jolokia-access.xml restrictor policy, e.g.
	// ReadOnlyPolicy; empty allows everything.
	Policy string
	// JSR160Proxy lets the agent forward requests that carry a
	// "target":{"url":"service:jmx:rmi:///jndi/rmi://..."} to a remote JMX
	// server (StartJMXJVM). The 2.4.2 agent always has it; the 1.x ones get
	// Maven Central's jolokia-jsr160 1.7.1 dispatcher only with this set
	// (without it they ignore "target" and read their own JVM, status 200).
	JSR160Proxy bool
	// Apps also run these library profiles in the same JVM.
	Apps []JavaApp
	// JDBC is where AppHikariCP connects (e.g. the test MariaDB:
	// "jdbc:mariadb://127.0.0.1:PORT/db"); nil means in-memory H2.
	JDBC *JDBC
	// ProxyAllowedTargets are regular expressions; when set, the agent
	// proxies only to target URLs matching one of them (the agents'
	// jsr160ProxyAllowedTargets file) and refuses others with a 403 entry.
	ProxyAllowedTargets []string
	// ExtraArgs are extra JVM flags (e.g. "-Dmoalog.benchItems=1000";
	// java/README.md lists the test app's -Dmoalog.* switches).
	ExtraArgs []string
	// GC selects the garbage collector in place of DefaultJVMArgs'
	// -XX:+UseSerialGC (HotSpot refuses two): GCSerial (default), GCG1,
	// GCParallel or GCZ. Memory pool and collector MBean names differ per GC.
	GC GC
	// JMXExporter also runs Prometheus' jmx_exporter java agent 1.0.1
	// (.cache/jmx_exporter/, fetched by scripts/install-deps.sh) in the same
	// JVM, on JVM.JMXExporterURL, with this config file content (YAML; "{}"
	// is its default catch-all). Works with every Agent.
	JMXExporter string
	// CommonsPool2 also runs java/pool/CommonsPool2App.java: a real
	// commons-pool2 GenericObjectPool registered as
	// org.apache.commons.pool2:type=GenericObjectPool,name=redis-pool.
	CommonsPool2 bool
}

// JVM is a running test JVM (java/MBeanTestApp.java) with a Jolokia endpoint.
type JVM struct {
	// Endpoint is http://127.0.0.1:<port>/jolokia (https:// with TLS)
	Endpoint string
	Port     int
	Process  *Process
	// TomcatPort is AppTomcat's HTTP port (0 without AppTomcat); its MBeans
	// are named after it: Tomcat:type=ThreadPool,name="http-nio-127.0.0.1-<port>".
	TomcatPort int
	// KafkaBootstrap is AppKafkaClient's bootstrap.servers: a loopback
	// address where nothing listens.
	KafkaBootstrap string
	// JMXExporterURL is jmx_exporter's http://127.0.0.1:<port>/metrics and
	// JMXExporterConfig its config file (with JVMOptions.JMXExporter).
	// jmx_exporter reloads the file at its next scrape when the file's
	// modification time moves forward.
	JMXExporterURL, JMXExporterConfig string

	opts   JVMOptions
	client *http.Client
}

// startTimeout bounds how long a JVM may take to answer its first request.
const startTimeout = 30 * time.Second

// StartJVM compiles the test app once (cached in .cache/java/<hash>/), starts
// it on a free loopback port with the chosen Jolokia agent, waits until the
// endpoint answers a version request and the test MBeans are registered, and
// stops it at the test's cleanup.
func StartJVM(t testing.TB, opts JVMOptions) *JVM {
	t.Helper()
	return mustStart(t, func() (*JVM, error) { return NewJVM(t, opts) })
}

// NewJVM is StartJVM for owner. A start that fails because
// its free port was taken in between runs again on a new one.
func NewJVM(owner Owner, opts JVMOptions) (*JVM, error) {
	return newServer(func(s *setup) *JVM {
		java, classes, port := s.testApp()
		j := &JVM{Endpoint: jolokiaEndpoint(opts, port), Port: port, opts: opts}
		dir := s.tempDir(owner, "jvm")
		classes, args := j.appArgs(s, classes)
		args = append(args, opts.ExtraArgs...)
		if opts.JMXExporter != "" {
			jar := s.file(jmxExporterJar)
			jmxPort := s.port()
			j.JMXExporterConfig = s.write(filepath.Join(dir, "jmx_exporter.yaml"), opts.JMXExporter)
			args = append(args, "-javaagent:"+jar+"="+Addr(jmxPort)+":"+j.JMXExporterConfig)
			j.JMXExporterURL = "http://" + Addr(jmxPort) + "/metrics"
		}
		args = append(args, agentArgs(s, opts, dir, classes, port)...)
		s.step(func() (err error) { j.client, err = jvmHTTPClient(opts); return err })
		j.Process = s.launch(owner, "jvm-"+opts.Agent.String(), java, args...)
		s.step(j.waitReady)
		return j
	})
}

func jolokiaEndpoint(opts JVMOptions, port int) string {
	scheme := "http"
	if opts.TLS != nil {
		scheme = "https"
	}
	path := "/jolokia"
	if opts.Agent == JolokiaAgent1 {
		path = "/jolokia/" // the 1.x agent answers /jolokia with HTTP 404 (text/html)
	}
	return scheme + "://" + Addr(port) + path
}

// appArgs adds the library profiles' classes to the test app's and returns
// the JVM flags that start them.
func (j *JVM) appArgs(s *setup, classes string) (string, []string) {
	args := jvmArgs(j.opts.GC)
	if j.opts.CommonsPool2 {
		jar := s.file(commonsPool2Jar)
		classes = joinPath(classes, s.compile("java/pool/*.java", []string{jar}, "CommonsPool2App.class"), jar)
		args = append(args, "-Dmoalog.commonsPool2=true")
	}
	if len(j.opts.Apps) == 0 {
		return classes, args
	}
	var names []string
	for _, app := range j.opts.Apps {
		class, ok := javaAppClass[app]
		if !ok {
			s.fail(fmt.Errorf("StartJVM: unknown Java app %q", app))
		}
		jars := s.jars(app)
		classes = joinPath(classes, s.compile("java/apps/"+string(app)+"/*.java", jars, class+".class"), joinPath(jars...))
		names = append(names, class)
		switch app {
		case AppTomcat:
			j.TomcatPort = s.port()
			args = append(args, "-Dmoalog.tomcat.port="+strconv.Itoa(j.TomcatPort))
		case AppKafkaClient:
			j.KafkaBootstrap = Addr(s.port())
			args = append(args, "-Dmoalog.kafka.bootstrap="+j.KafkaBootstrap)
		case AppHikariCP:
			if jdbc := j.opts.JDBC; jdbc != nil {
				args = append(args, "-Dmoalog.jdbc.url="+jdbc.URL, "-Dmoalog.jdbc.user="+jdbc.User,
					"-Dmoalog.jdbc.password="+jdbc.Password)
			}
		}
	}
	return classes, append(args, "-Dmoalog.apps="+strings.Join(names, ","))
}

// agentArgs are the JVM flags, class path and main class that serve Jolokia
// with opts.Agent on port: a -javaagent, or the 1.7.1 core (core1Args).
func agentArgs(s *setup, opts JVMOptions, dir, classes string, port int) []string {
	if opts.ClientAuth && opts.TLS == nil {
		s.fail(errors.New("StartJVM: ClientAuth needs TLS"))
	}
	policyFile := ""
	if opts.Policy != "" {
		policyFile = s.write(filepath.Join(dir, "jolokia-access.xml"), opts.Policy)
	}
	allowedTargets := ""
	if len(opts.ProxyAllowedTargets) > 0 {
		allowedTargets = s.write(filepath.Join(dir, "jsr160-allowed-targets.txt"), strings.Join(opts.ProxyAllowedTargets, "\n")+"\n")
	}
	switch opts.Agent {
	case JolokiaAgent2, JolokiaAgent1:
		jar := s.file(jolokia2AgentJar)
		allowedTargetsProp := "jolokia.jsr160ProxyAllowedTargets"
		if opts.Agent == JolokiaAgent1 {
			jar = s.file(jolokia1AgentJar)
			allowedTargetsProp = "org.jolokia.jsr160ProxyAllowedTargets"
		}
		// Every agent option goes through a properties file (config=FILE), so
		// values may hold ',' and '=' which the -javaagent option string cannot.
		props := [][2]string{{"port", strconv.Itoa(port)}, {"host", "127.0.0.1"}, {"discoveryEnabled", "false"}}
		if opts.User != "" {
			props = append(props, [2]string{"user", opts.User}, [2]string{"password", opts.Password})
		}
		if policyFile != "" {
			props = append(props, [2]string{"policyLocation", "file://" + policyFile})
		}
		if opts.TLS != nil {
			props = append(props, [2]string{"protocol", "https"}, [2]string{"caCert", opts.TLS.CACert},
				[2]string{"serverCert", opts.TLS.ServerCert}, [2]string{"serverKey", opts.TLS.ServerKey},
				[2]string{"serverKeyAlgorithm", "EC"})
			if opts.ClientAuth {
				// The agents take a client certificate as one way to
				// authenticate; authMatch=all requires it and the password.
				props = append(props, [2]string{"useSslClientAuthentication", "true"}, [2]string{"authMatch", "all"})
			}
		}
		var args []string
		if opts.JSR160Proxy && opts.Agent == JolokiaAgent1 {
			// The 1.x agent jar has no proxy dispatcher: add Maven Central's.
			props = append(props, [2]string{"dispatcherClasses", "org.jolokia.jsr160.Jsr160RequestDispatcher"})
			classes = joinPath(classes, s.file(jolokia1JSR160Jar))
		}
		if allowedTargets != "" {
			args = append(args, "-D"+allowedTargetsProp+"="+allowedTargets)
		}
		config := s.write(filepath.Join(dir, "jolokia-agent.properties"), javaProperties(props))
		if strings.ContainsAny(config, ",=") {
			s.fail(fmt.Errorf("StartJVM: the temporary folder %s holds ',' or '=': the agent option cannot name it", dir))
		}
		return append(args, "-javaagent:"+jar+"=config="+config, "-cp", classes, "MBeanTestApp")
	case JolokiaCore1:
		return core1Args(s, opts, joinPath(classes, s.file(jolokia1CoreJar), s.file(jsonSimpleJar)), policyFile, allowedTargets, port)
	}
	s.fail(fmt.Errorf("StartJVM: unknown agent %d", int(opts.Agent)))
	return nil
}

// core1Args runs java/Jolokia1Server.java, Debian's 1.7.1 core over the JDK HttpServer.
func core1Args(s *setup, opts JVMOptions, cp, policyFile, allowedTargets string, port int) []string {
	var args []string
	if opts.JSR160Proxy {
		cp = joinPath(cp, s.file(jolokia1JSR160Jar))
		args = append(args, "-Dmoalog.jsr160=true")
	}
	if allowedTargets != "" {
		args = append(args, "-Dorg.jolokia.jsr160ProxyAllowedTargets="+allowedTargets)
	}
	if policyFile != "" {
		args = append(args, "-Dmoalog.policy="+policyFile)
	}
	if opts.TLS != nil {
		args = append(args, "-Dmoalog.tls.cert="+opts.TLS.ServerCert, "-Dmoalog.tls.key="+opts.TLS.ServerKey,
			"-Dmoalog.tls.ca="+opts.TLS.CACert)
		if opts.ClientAuth {
			args = append(args, "-Dmoalog.tls.clientAuth=true")
		}
	}
	args = append(args, "-cp", cp, "Jolokia1Server", strconv.Itoa(port))
	if opts.User != "" {
		args = append(args, opts.User, opts.Password)
	}
	return args
}

// jvmArgs is DefaultJVMArgs with gc in place of SerialGC.
func jvmArgs(gc GC) []string {
	args := slices.Clone(DefaultJVMArgs)
	if i := slices.Index(args, "-XX:+UseSerialGC"); gc != "" && i >= 0 {
		args[i] = "-XX:+Use" + string(gc) + "GC"
	}
	return args
}

// HTTPClient is the client JVM.Post uses: it trusts the test CA and presents
// the client certificate when the JVM runs with TLS. It sends no credentials.
func (j *JVM) HTTPClient() *http.Client { return j.client }

func jvmHTTPClient(opts JVMOptions) (*http.Client, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	if opts.TLS == nil {
		return client, nil
	}
	ca, err := os.ReadFile(opts.TLS.CACert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("StartJVM: no certificate in %s", opts.TLS.CACert)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if opts.ClientAuth {
		cert, err := tls.LoadX509KeyPair(opts.TLS.ClientCert, opts.TLS.ClientKey)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	client.Transport = &http.Transport{TLSClientConfig: cfg}
	return client, nil
}

// javaProperties renders key=value lines in java.util.Properties syntax.
func javaProperties(props [][2]string) string {
	esc := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "=", `\=`, ":", `\:`, "#", `\#`, "!", `\!`)
	var b strings.Builder
	for _, kv := range props {
		v := esc.Replace(kv[1])
		if strings.HasPrefix(v, " ") {
			v = `\` + v
		}
		fmt.Fprintf(&b, "%s=%s\n", kv[0], v)
	}
	return b.String()
}

// readyRequest asks for the version and reads the MBean MBeanTestApp registers
// last, so "ready" means every test MBean is there.
const readyRequest = `[{"type":"version"},{"type":"read","mbean":"com.moalog.test:type=Dynamic","attribute":"Writable"}]`

// WaitReady waits until the JVM answers (after StartJVM or Process.Restart),
// failing the test with the JVM's log after 30s.
func (j *JVM) WaitReady(t testing.TB) {
	t.Helper()
	require.NoError(t, j.waitReady())
}

func (j *JVM) waitReady() error {
	what := fmt.Sprintf("%s at %s is not ready", j.opts.Agent, j.Endpoint)
	return j.Process.waitUntil(what, startTimeout, 100*time.Millisecond, j.ready)
}

func (j *JVM) ready() error {
	status, body, err := j.Post(readyRequest)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", status, Tail(string(body), 500))
	}
	var entries []struct {
		Status int `json:"status"`
	}
	if err := json.Unmarshal(body, &entries); err != nil {
		return fmt.Errorf("decode %q: %w", Tail(string(body), 500), err)
	}
	if len(entries) != 2 || entries[0].Status != 200 || entries[1].Status != 200 {
		return fmt.Errorf("not ready yet: %s", Tail(string(body), 500))
	}
	return nil
}

// Post sends body to the endpoint (with the JVM's credentials, if any) and
// returns the HTTP status and the raw response.
func (j *JVM) Post(body string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, j.Endpoint, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if j.opts.User != "" {
		req.SetBasicAuth(j.opts.User, j.opts.Password)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// file is path (under CacheDir() when relative), which must exist: a jar
// install-deps fetches.
func (s *setup) file(path string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(CacheDir(), path)
	}
	s.step(func() error {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s is missing: run `make test-deps` (scripts/install-deps.sh) first", path)
		}
		return nil
	})
	return path
}

// jars lists the jars of a library profile.
func (s *setup) jars(app JavaApp) (jars []string) {
	s.step(func() error {
		dir := filepath.Join(CacheDir(), javaDeps, string(app))
		jars, _ = filepath.Glob(filepath.Join(dir, "*.jar"))
		if len(jars) == 0 {
			return fmt.Errorf("%s has no jars: run `make test-deps` (scripts/install-deps.sh) first", dir)
		}
		sort.Strings(jars)
		return nil
	})
	return jars
}

// testApp is what every test JVM needs: java, the test app's classes
// (java/*.java with Jolokia1Server, compiled once) and a port.
func (s *setup) testApp() (java, classes string, port int) {
	java = s.binary("java")
	classes = s.compile("java/*.java", []string{s.file(jolokia1CoreJar), s.file(jsonSimpleJar)}, "MBeanTestApp.class")
	return java, classes, s.port()
}

// compile compiles the embedded sources matching glob against classpath
// into .cache/java/<hash of sources and classpath>/, once, and returns that
// folder. probe is a class file whose presence means "compiled".
func (s *setup) compile(glob string, classpath []string, probe string) (classes string) {
	s.step(func() (err error) { classes, err = compileSources(glob, classpath, probe); return err })
	return classes
}

// compileSources is setup.compile. Two test binaries may compile at the same
// time: each compiles into its own temporary folder and renames it into
// place; the loser of the race uses the winner's classes.
func compileSources(glob string, classpath []string, probe string) (string, error) {
	javac, err := lookBinary("javac")
	if err != nil {
		return "", err
	}
	cp := joinPath(classpath...)

	names, err := fs.Glob(javaSources, glob)
	if err != nil || len(names) == 0 {
		return "", fmt.Errorf("testenv: no embedded Java sources match %s: %v", glob, err)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "classpath=%s\n", cp)
	for _, name := range names {
		b, err := javaSources.ReadFile(name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	root := filepath.Join(CacheDir(), "java")
	final := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(final, probe)); err == nil {
		return final, nil
	}

	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "classes") // javac makes it
	args := []string{"-nowarn", "-encoding", "UTF-8", "-cp", cp, "-d", out}
	for _, name := range names {
		b, _ := javaSources.ReadFile(name)
		dst := filepath.Join(tmp, filepath.Base(name))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return "", err
		}
		args = append(args, dst)
	}
	if output, err := Run(javac, args...); err != nil {
		return "", fmt.Errorf("javac: %w\n%s", err, output)
	}
	if err := os.Rename(out, final); err != nil {
		if _, statErr := os.Stat(filepath.Join(final, probe)); statErr == nil {
			return final, nil // another test binary won the race
		}
		return "", fmt.Errorf("testenv: install compiled classes: %w", err)
	}
	return final, nil
}

func joinPath(parts ...string) string { return strings.Join(parts, string(os.PathListSeparator)) }
