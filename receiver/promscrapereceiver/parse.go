package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/prometheus/prometheus/model/textparse"
)

// sample is one parsed series value with its final labels: the target's
// labels merged in (honor_labels) and metric_relabel_configs applied.
type sample struct {
	labels      labels.Labels // with __name__, job and instance
	value       float64
	timestampMs int64 // 0: the scrape's time
	startMs     int64 // the target's created timestamp (OpenMetrics _created), 0 if none
}

// familyMeta is what the exposition says about a metric family.
type familyMeta struct {
	kind       model.MetricType
	help, unit string
}

// parsed is one scrape's body, read.
type parsed struct {
	samples  []sample
	families map[string]familyMeta
	scraped  int // samples in the body, before metric_relabel_configs
}

// newParser picks Prometheus' parser for the Content-Type: OpenMetrics 1.0
// (its _created series become start timestamps, not series) or the text
// format, which is also the answer to an unknown or missing Content-Type, as
// Prometheus' fallback_scrape_protocol would be. The protobuf format is not
// asked for (acceptHeader) nor parsed: textparse.New would link the protobuf
// and native-histogram parsers, ~0.7 MB of binary (bench/RESULTS.md).
func newParser(body []byte, contentType string) textparse.Parser {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if mediaType == "application/openmetrics-text" {
		return textparse.NewOpenMetricsParser(body, labels.NewSymbolTable(), textparse.WithOMParserSTSeriesSkipped())
	}
	return textparse.NewPromParser(body, labels.NewSymbolTable(), false)
}

// parse reads body with Prometheus' parser for its Content-Type and prepares
// each sample's labels as Prometheus' scrape loop does (mutateSampleLabels,
// then metric_relabel_configs).
func parse(body []byte, contentType string, sc *ScrapeConfig, targetLabels labels.Labels) (parsed, error) {
	p := newParser(body, contentType)
	out := parsed{families: map[string]familyMeta{}}
	var lset labels.Labels
	b := labels.NewBuilder(labels.EmptyLabels())
	for {
		entry, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return parsed{}, fmt.Errorf("the body is not valid Prometheus text or OpenMetrics: %w", err)
		}
		switch entry {
		case textparse.EntryType:
			name, kind := p.Type()
			meta := out.families[string(name)]
			meta.kind = kind
			out.families[string(name)] = meta
		case textparse.EntryHelp:
			name, help := p.Help()
			meta := out.families[string(name)]
			meta.help = string(help)
			out.families[string(name)] = meta
		case textparse.EntryUnit:
			name, unit := p.Unit()
			meta := out.families[string(name)]
			meta.unit = string(unit)
			out.families[string(name)] = meta
		case textparse.EntrySeries:
			out.scraped++
			_, ts, value := p.Series()
			p.Labels(&lset)
			final, keep := sampleLabels(b, lset, targetLabels, sc)
			if !keep {
				continue
			}
			s := sample{labels: final, value: value, startMs: p.StartTimestamp()}
			if ts != nil {
				s.timestampMs = *ts
			}
			out.samples = append(out.samples, s)
		}
	}
}

// sampleLabels merges the target's labels into a sample's: with honor_labels
// the sample's own values win, otherwise a clashing sample label is kept as
// exported_<name>. Then metric_relabel_configs decide.
func sampleLabels(b *labels.Builder, lset, targetLabels labels.Labels, sc *ScrapeConfig) (labels.Labels, bool) {
	b.Reset(lset)
	targetLabels.Range(func(l labels.Label) {
		existing := lset.Get(l.Name)
		switch {
		case existing == "":
			b.Set(l.Name, l.Value)
		case sc.HonorLabels:
		default:
			exported := model.ExportedLabelPrefix + l.Name
			for lset.Has(exported) {
				exported = model.ExportedLabelPrefix + exported
			}
			b.Set(exported, existing)
			b.Set(l.Name, l.Value)
		}
	})
	if !relabel.ProcessBuilder(b, sc.MetricRelabelConfigs...) {
		return labels.EmptyLabels(), false
	}
	return b.Labels(), true
}

// familySuffixes are the sample-name suffixes of Prometheus' composite types.
var familySuffixes = []string{"_bucket", "_sum", "_count", "_total", "_created", "_info", "_gcount", "_gsum"}

// familyOf finds the family a sample name belongs to, as Prometheus'
// metadata lookup does: the name itself, else the name without its suffix.
func familyOf(name string, families map[string]familyMeta) (string, familyMeta) {
	if meta, ok := families[name]; ok {
		return name, meta
	}
	for _, suffix := range familySuffixes {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if meta, ok := families[base]; ok {
				return base, meta
			}
		}
	}
	return name, familyMeta{kind: model.MetricTypeUnknown}
}
