package composecheck

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

func composeDir() string { return filepath.Join(testenv.RepoRoot(), "compose") }

var testEnv = []string{"GRAFANA_ADMIN_PASSWORD=test-only"}

func load(t *testing.T, env []string, files ...string) (*types.Project, error) {
	t.Helper()
	return loadIn(t, composeDir(), env, files...)
}

// loadIn loads compose files of dir as `docker compose -f ...` does.
func loadIn(t *testing.T, dir string, env []string, files ...string) (*types.Project, error) {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(dir, f))
	}
	opts, err := cli.NewProjectOptions(paths,
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(env),
		cli.WithResolvedPaths(true),
	)
	require.NoError(t, err)
	return opts.LoadProject(context.Background())
}

func published(s types.ServiceConfig) map[string]uint32 {
	out := map[string]uint32{}
	for _, p := range s.Ports {
		out[p.Published] = p.Target
	}
	return out
}

// TestMonitoringStack: docker-compose.yaml is a valid Compose project with the
// collector, Prometheus and Grafana on the ports the README promises.
func TestMonitoringStack(t *testing.T) {
	p, err := load(t, testEnv, "docker-compose.yaml")
	require.NoError(t, err)
	require.Equal(t, "moalog", p.Name)
	require.ElementsMatch(t, []string{"otelcol", "prometheus", "grafana"}, p.ServiceNames())

	otelcol := p.Services["otelcol"]
	require.Equal(t, map[string]uint32{"9090": 9090, "13133": 13133}, published(otelcol))
	require.NotNil(t, otelcol.Build)
	require.True(t, otelcol.ReadOnly)
	require.Equal(t, map[string]uint32{"9091": 9090}, published(p.Services["prometheus"]))
	require.Contains(t, strings.Join(p.Services["prometheus"].Command, " "), "--storage.tsdb.retention.time=15d")
	grafana := p.Services["grafana"]
	require.Equal(t, map[string]uint32{"3000": 3000}, published(grafana))
	require.Equal(t, "Viewer", *grafana.Environment["GF_AUTH_ANONYMOUS_ORG_ROLE"])
	require.Equal(t, "test-only", *grafana.Environment["GF_SECURITY_ADMIN_PASSWORD"])
}

// TestGrafanaAdminPasswordIsRequired: no default admin password ships.
func TestGrafanaAdminPasswordIsRequired(t *testing.T) {
	_, err := load(t, nil, "docker-compose.yaml")
	require.ErrorContains(t, err, "GRAFANA_ADMIN_PASSWORD")
}

// TestDemoOverlay: with docker-compose.demo.yaml every platform service has a
// stand-in under its compose name, and the collector waits for them.
func TestDemoOverlay(t *testing.T) {
	p, err := load(t, testEnv, "docker-compose.yaml", "docker-compose.demo.yaml")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"otelcol", "prometheus", "grafana",
		"moalog-server", "rate-limiter", "fluxpay-engine", "redis", "mysql"}, p.ServiceNames())
	require.ElementsMatch(t, []string{"fluxpay-engine", "moalog-server", "mysql", "rate-limiter", "redis"},
		p.Services["otelcol"].GetDependencies())
	require.Equal(t, "demo-monitor", *p.Services["otelcol"].Environment["MYSQL_PASSWORD"])
	require.Contains(t, p.Services["redis"].Command, "--maxmemory")
}

// TestMountsAndBuildFilesExist: every bind mount's source and every build's
// context and Dockerfile exist in the repository.
func TestMountsAndBuildFilesExist(t *testing.T) {
	p, err := load(t, testEnv, "docker-compose.yaml", "docker-compose.demo.yaml")
	require.NoError(t, err)
	root := testenv.RepoRoot()
	binds := 0
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			binds++
			require.True(t, strings.HasPrefix(v.Source, root), "%s: %s is outside the repository", name, v.Source)
			_, err := os.Stat(v.Source)
			require.NoError(t, err, "%s mounts %s", name, v.Source)
		}
		if s.Build != nil {
			require.DirExists(t, s.Build.Context, "%s build context", name)
			require.FileExists(t, filepath.Join(s.Build.Context, s.Build.Dockerfile), "%s Dockerfile", name)
		}
	}
	require.GreaterOrEqual(t, binds, 6)
}

// TestDockerfilesFetchByCoordinates: the Dockerfiles fetch the Jolokia agent by
// Maven coordinates and name no download host; the collector image runs as non-root.
func TestDockerfilesFetchByCoordinates(t *testing.T) {
	files := []string{"Dockerfile", "jolokia/Dockerfile.snippet", "demo/jvm.Dockerfile", "demo/moalog-contract.Dockerfile"}
	url := regexp.MustCompile(`https?://`)
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(composeDir(), f))
		require.NoError(t, err)
		s := string(raw)
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			require.False(t, url.MatchString(line), "%s: %q fetches by URL", f, line)
		}
		if strings.Contains(s, "jolokia") {
			require.Contains(t, s, "-Dartifact=org.jolokia:jolokia-agent-jvm:2.4.2:jar:javaagent", f)
			require.Contains(t, s, "port=8778,host=0.0.0.0,policyLocation=file:///opt/jolokia/jolokia-access.xml", f)
		}
	}
	raw, err := os.ReadFile(filepath.Join(composeDir(), "Dockerfile"))
	require.NoError(t, err)
	require.Regexp(t, `(?m)^FROM scratch$`, string(raw))
	require.Regexp(t, `(?m)^USER 65532:65532$`, string(raw))
	require.Contains(t, string(raw), "CGO_ENABLED=0")
}

// TestJolokiaPolicyIsReadOnly: the access policy allows exactly read, search, list and version.
func TestJolokiaPolicyIsReadOnly(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(composeDir(), "jolokia", "jolokia-access.xml"))
	require.NoError(t, err)
	var policy struct {
		XMLName  xml.Name `xml:"restrict"`
		Commands []string `xml:"commands>command"`
	}
	require.NoError(t, xml.Unmarshal(raw, &policy))
	require.ElementsMatch(t, []string{"read", "search", "list", "version"}, policy.Commands)
}
