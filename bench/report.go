package bench

import (
	"fmt"
	"strings"
	"time"
)

// Measured is what one process (or a sum of processes) cost over the
// measurement window.
type Measured struct {
	Name    string
	Targets string
	// SteadyRSS is the median VmRSS over the window; PeakRSS the VmHWM at
	// its end (the peak since the process started, start-up included).
	SteadyRSS, PeakRSS int64
	// SteadyAnon is the median RssAnon: the part of RSS that is the
	// process' own memory (heap, stacks), not pages of its binary.
	SteadyAnon int64
	// CPUSeconds is utime+stime spent during the window.
	CPUSeconds float64
	// Cycles is the number of scrape intervals in the window.
	Cycles int
	// Scrapes and ScrapeErrors count the driver's scrapes of the process'
	// /metrics during the window; BytesServed adds up their bodies
	// (uncompressed) and Series is the sample count of the last one.
	Scrapes, ScrapeErrors int
	BytesServed           int64
	Series                int
}

// CPUPerCycle is the CPU time per scrape cycle, in milliseconds.
func (m Measured) CPUPerCycle() float64 {
	if m.Cycles == 0 {
		return 0
	}
	return m.CPUSeconds * 1000 / float64(m.Cycles)
}

// BytesPerScrape is the mean body size of one scrape.
func (m Measured) BytesPerScrape() int64 {
	if m.Scrapes == 0 {
		return 0
	}
	return m.BytesServed / int64(m.Scrapes)
}

// Sum adds up processes that together do one job (the exporters).
func Sum(name, targets string, ms ...Measured) Measured {
	s := Measured{Name: name, Targets: targets}
	for _, m := range ms {
		s.SteadyRSS += m.SteadyRSS
		s.PeakRSS += m.PeakRSS
		s.SteadyAnon += m.SteadyAnon
		s.CPUSeconds += m.CPUSeconds
		s.Cycles = max(s.Cycles, m.Cycles)
		s.Scrapes = max(s.Scrapes, m.Scrapes)
		s.ScrapeErrors += m.ScrapeErrors
		s.BytesServed += m.BytesServed
		s.Series += m.Series
	}
	// Bytes per scrape of a sum is the sum of each one's bytes per scrape.
	if s.Scrapes > 0 {
		var per int64
		for _, m := range ms {
			per += m.BytesPerScrape()
		}
		s.BytesServed = per * int64(s.Scrapes)
	}
	return s
}

// Reference is a cost quoted from elsewhere, not measured in this run.
type Reference struct {
	Name, Targets, Note string
	RSSLow, RSSHigh     int64 // bytes
}

// Report is one bench-compare run.
type Report struct {
	Date     time.Time
	Machine  string
	Versions []string
	Interval time.Duration
	Window   time.Duration
	// Collectors are the collector runs (all receivers; only the targets the
	// exporters also read). Exporters are summed into one row.
	Collectors []Measured
	Exporters  []Measured
	References []Reference
	// Compare names the collector row compared with the sum of the exporters
	// (same targets), and All the row compared with exporters + references.
	Compare, All string
	// CompareExporters names the exporters whose targets the compared
	// collectors read (all of them when empty).
	CompareExporters []string
	Notes            []string
}

func mib(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func row(m Measured) string {
	errs := ""
	if m.ScrapeErrors > 0 {
		errs = fmt.Sprintf(" (%d failed)", m.ScrapeErrors)
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %.1f | %d%s | %d |", m.Name, m.Targets, mib(m.SteadyRSS), mib(m.SteadyAnon), mib(m.PeakRSS),
		m.CPUPerCycle(), m.BytesPerScrape(), errs, m.Series)
}

func (r Report) find(name string) (Measured, bool) {
	for _, m := range r.Collectors {
		if m.Name == name {
			return m, true
		}
	}
	return Measured{}, false
}

// Markdown renders the run as the bench-compare section of RESULTS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run of %s UTC: every process scraped every %s; measured over %s (%d cycles) after a warm-up.\n\n",
		r.Date.UTC().Format("2006-01-02 15:04"), r.Interval, r.Window, int(r.Window/r.Interval))
	fmt.Fprintf(&b, "Machine: %s.\n\n", r.Machine)
	if len(r.Versions) > 0 {
		b.WriteString("Versions: " + strings.Join(r.Versions, "; ") + ".\n\n")
	}
	b.WriteString("| process | targets | steady RSS (MiB) | of which anon (MiB) | peak RSS (MiB) | CPU ms / cycle | bytes / scrape | series / scrape |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, m := range r.Collectors {
		b.WriteString(row(m) + "\n")
	}
	for _, m := range r.Exporters {
		b.WriteString(row(m) + "\n")
	}
	sum := Sum("**sum of the exporters**", joinTargets(r.Exporters), r.Exporters...)
	b.WriteString(row(sum) + "\n")
	if len(r.CompareExporters) > 0 {
		var sub []Measured
		for _, m := range r.Exporters {
			for _, n := range r.CompareExporters {
				if m.Name == n {
					sub = append(sub, m)
				}
			}
		}
		sum = Sum("sum of the exporters of the same targets", joinTargets(sub), sub...)
		b.WriteString(row(sum) + "\n")
	}
	var refLow, refHigh int64
	for _, ref := range r.References {
		refLow += ref.RSSLow
		refHigh += ref.RSSHigh
		fmt.Fprintf(&b, "| %s | %s | %s-%s | – | – | – | – | – |\n", ref.Name, ref.Targets, mib(ref.RSSLow), mib(ref.RSSHigh))
	}
	if c, ok := r.find(r.Compare); ok {
		fmt.Fprintf(&b, "| **ratio: %s / sum of the exporters** (same targets) | | **%s** | %s | **%s** | **%s** | %s | %s |\n", c.Name,
			ratio(float64(c.SteadyRSS), float64(sum.SteadyRSS)), ratio(float64(c.SteadyAnon), float64(sum.SteadyAnon)), ratio(float64(c.PeakRSS), float64(sum.PeakRSS)),
			ratio(c.CPUPerCycle(), sum.CPUPerCycle()), ratio(float64(c.BytesPerScrape()), float64(sum.BytesPerScrape())),
			ratio(float64(c.Series), float64(sum.Series)))
	}
	if c, ok := r.find(r.All); ok && len(r.References) > 0 {
		fmt.Fprintf(&b, "| **ratio: %s / (sum of the exporters + references)** (steady RSS only) | | **%s-%s** | – | – | – | – | – |\n", c.Name,
			ratio(float64(c.SteadyRSS), float64(sum.SteadyRSS+refHigh)), ratio(float64(c.SteadyRSS), float64(sum.SteadyRSS+refLow)))
	}
	b.WriteString("\n")
	for _, n := range r.Notes {
		b.WriteString("- " + n + "\n")
	}
	return b.String()
}

func joinTargets(ms []Measured) string {
	var ts []string
	for _, m := range ms {
		ts = append(ts, m.Targets)
	}
	return strings.Join(ts, ", ")
}

// Section markers of the generated part of RESULTS.md.
const (
	BeginMarker = "<!-- bench-compare:begin (generated by make bench-compare) -->"
	EndMarker   = "<!-- bench-compare:end -->"
)

// ReplaceSection puts section between the markers of doc, appending the
// markers when doc has none, and keeps everything else of doc.
func ReplaceSection(doc, section string) string {
	block := BeginMarker + "\n" + strings.TrimRight(section, "\n") + "\n" + EndMarker
	i := strings.Index(doc, BeginMarker)
	j := strings.Index(doc, EndMarker)
	if i < 0 || j < i {
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		return doc + "\n" + block + "\n"
	}
	return doc[:i] + block + doc[j+len(EndMarker):]
}
