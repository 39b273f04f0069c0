package jolokiareceiver

// testMBeanMetrics maps the test app's MBeans (internal/testenv/java/MBeanTestApp.java)
// the way a user would, covering every value shape.
var testMBeanMetrics = []MetricConfig{
	{Name: "test.payments", MBean: "com.moalog.test:type=Payments,name=*", Attribute: "TotalPayments", Type: "sum", Unit: "{payment}",
		Labels: map[string]string{"payment.kind": "name"}},
	{Name: "test.payment.amount", MBean: "com.moalog.test:name=*,type=Payments", Attribute: "Amount", Unit: "{EUR}",
		Labels: map[string]string{"payment.kind": "name"}},
	{Name: "test.payment.enabled", MBean: "com.moalog.test:type=Payments,name=*", Attribute: "Enabled",
		Labels: map[string]string{"payment.kind": "name"}},
	{Name: "test.payment.status", MBean: "com.moalog.test:type=Payments,name=*", Attribute: "Status"},
	{Name: "test.pool.used", MBean: "com.moalog.test:type=Pool,name=main", Attribute: "Usage", Path: "used", Type: "updowncounter", Unit: "By"},
	{Name: "test.pool.limit", MBean: "com.moalog.test:type=Pool,name=main", Attribute: "Usage", Path: "max", Type: "updowncounter", Unit: "By", DropNegative: true},
	{Name: "test.pool.limits.max", MBean: "com.moalog.test:type=Pool,name=main", Attribute: "Limits", Path: "max", DropNegative: true},
	{Name: "test.pool.region", MBean: "com.moalog.test:type=Pool,name=main", Attribute: "ByRegion", Path: "*/value", PathLabels: []string{"region"}},
	{Name: "test.pool.usage.kb", MBean: "com.moalog.test:type=Pool,name=main", Attribute: "Usage", Path: "*", PathLabels: []string{"field"}, Scale: 0.5},
	{Name: "test.counters.big", MBean: "com.moalog.test:type=Counters", Attribute: "Big", Type: "sum"},
	{Name: "test.counters.huge", MBean: "com.moalog.test:type=Counters", Attribute: "Huge", Type: "sum"},
	{Name: "test.counters.negative", MBean: "com.moalog.test:type=Counters", Attribute: "Negative"},
	{Name: "test.counters.ratio", MBean: "com.moalog.test:type=Counters", Attribute: "Ratio"},
	{Name: "test.counters.inf", MBean: "com.moalog.test:type=Counters", Attribute: "Inf"},
	{Name: "test.counters.unlimited", MBean: "com.moalog.test:type=Counters", Attribute: "Unlimited", DropNegative: true},
	{Name: "test.counters.unlimited.raw", MBean: "com.moalog.test:type=Counters", Attribute: "Unlimited"},
	{Name: "test.counters.text", MBean: "com.moalog.test:type=Counters", Attribute: "Text"},
	{Name: "test.counters.nothing", MBean: "com.moalog.test:type=Counters", Attribute: "Nothing"},
	{Name: "test.quoted", MBean: `com.moalog.test:type=Quoted,name="a,b"`, Attribute: "Value", Labels: map[string]string{"quoted.name": "name"}},
	{Name: "test.missing", MBean: "com.moalog.test:type=Missing", Attribute: "Value"},
}

// wantTestMBeanPoints are the exact values the test app registers, after
// conversion: strings, nulls, NaN, Infinity and dropped -1 limits give no point.
var wantTestMBeanPoints = points{
	"test.payments{payment.kind=bank}":        int64(7),
	"test.payments{payment.kind=card}":        int64(42),
	"test.payment.amount{payment.kind=bank}":  0.25,
	"test.payment.amount{payment.kind=card}":  12.5,
	"test.payment.enabled{payment.kind=bank}": int64(0),
	"test.payment.enabled{payment.kind=card}": int64(1),
	"test.pool.used{}":                        int64(300),
	"test.pool.limit{}":                       int64(1000),
	"test.pool.region{region=eu}":             int64(3),
	"test.pool.region{region=us}":             int64(5),
	"test.pool.usage.kb{field=committed}":     250.0,
	"test.pool.usage.kb{field=init}":          50.0,
	"test.pool.usage.kb{field=max}":           500.0,
	"test.pool.usage.kb{field=used}":          150.0,
	"test.counters.big{}":                     int64(9007199254740993),
	"test.counters.huge{}":                    int64(9223372036854775807),
	"test.counters.negative{}":                int64(-5),
	"test.counters.unlimited.raw{}":           int64(-1),
	"test.counters.text{}":                    12.75,
	"test.quoted{quoted.name=a,b}":            int64(5),
}
