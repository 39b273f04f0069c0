package composecheck

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/moalog/platform-collector/internal/testenv"
)

// TestScaleOutComposeExample: examples/scale-out/docker-compose.yaml is a valid
// Compose project of SHARD_COUNT replica services, each with its own index,
// the full build and the shipped replica config; the store URL is required.
func TestScaleOutComposeExample(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "examples", "scale-out")
	_, err := loadIn(t, dir, nil, "docker-compose.yaml")
	require.ErrorContains(t, err, "REMOTE_WRITE_URL")

	p, err := loadIn(t, dir, []string{"REMOTE_WRITE_URL=http://store:8428/api/v1/write"}, "docker-compose.yaml")
	require.NoError(t, err)
	const count = 3
	require.Len(t, p.Services, count)
	for index := range count {
		s, ok := p.Services[fmt.Sprintf("otelcol-%d", index)]
		require.True(t, ok, "service otelcol-%d", index)
		assert.Equal(t, fmt.Sprint(count), *s.Environment["SHARD_COUNT"])
		assert.Equal(t, fmt.Sprint(index), *s.Environment["SHARD_INDEX"])
		assert.Equal(t, "http://store:8428/api/v1/write", *s.Environment["REMOTE_WRITE_URL"])
		assert.Equal(t, "otelcol-full", *s.Build.Args["CMD"])
		assert.FileExists(t, filepath.Join(s.Build.Context, s.Build.Dockerfile))
		require.Len(t, s.Volumes, 1)
		assert.Equal(t, filepath.Join(dir, "replica.yaml"), s.Volumes[0].Source)
	}
}

// TestStatefulSetExample: examples/scale-out/statefulset.yaml decodes strictly
// as an apps/v1 StatefulSet whose replicas equal SHARD_COUNT and whose
// SHARD_INDEX is the pod's ordinal.
func TestStatefulSetExample(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "examples", "scale-out", "statefulset.yaml"))
	require.NoError(t, err)
	var set appsv1.StatefulSet
	require.NoError(t, yaml.UnmarshalStrict(raw, &set))
	require.Equal(t, "StatefulSet", set.Kind)
	require.Len(t, set.Spec.Template.Spec.Containers, 1)
	env := map[string]string{}
	for _, e := range set.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			env[e.Name] = "fieldRef:" + e.ValueFrom.FieldRef.FieldPath
		}
	}
	assert.Equal(t, fmt.Sprint(*set.Spec.Replicas), env["SHARD_COUNT"])
	assert.Equal(t, "fieldRef:metadata.labels['apps.kubernetes.io/pod-index']", env["SHARD_INDEX"])
	assert.NotEmpty(t, env["REMOTE_WRITE_URL"])
	assert.Equal(t, appsv1.ParallelPodManagement, set.Spec.PodManagementPolicy)
}
