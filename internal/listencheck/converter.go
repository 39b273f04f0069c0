package listencheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"go.opentelemetry.io/collector/confmap"
)

// NewFactory is the converter factory ocb wires into the collector's main.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(func(confmap.ConverterSettings) confmap.Converter { return converter{} })
}

type converter struct{}

// Convert leaves conf unchanged; it only refuses a config whose listen
// addresses are taken by another process.
func (converter) Convert(_ context.Context, conf *confmap.Conf) error {
	var errs []error
	for _, l := range listeners(conf) {
		if err := checkFree(l); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkFree binds l's address the way the component will and, when another
// process holds it, says which. Other bind errors are left to the component,
// which reports them at start.
func checkFree(l listener) error {
	ln, err := net.Listen("tcp", l.address)
	if err == nil {
		return ln.Close()
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return nil
	}
	holders, known := foreignHolders(l.address)
	if !known {
		return nil
	}
	if len(holders) == 0 { // only this executable holds it: the collector being reloaded
		return nil
	}
	return fmt.Errorf("%s cannot listen on %s (%s): address already in use by %s: stop that process or change %s",
		l.component, l.address, l.key, holders, l.key)
}
