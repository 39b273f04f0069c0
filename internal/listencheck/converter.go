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
	found := Listeners(conf)
	errs := sharedAddresses(found)
	for _, l := range found {
		errs = append(errs, checkFree(l))
	}
	return errors.Join(errs...)
}

// sharedAddresses refuses two listeners of one config on the same port:
// each binds alone, so only the start of the second would fail.
func sharedAddresses(found []Listener) []error {
	var errs []error
	for i, first := range found {
		for _, second := range found[i+1:] {
			if overlap(first.Address, second.Address) {
				errs = append(errs, fmt.Errorf("%s (%s) and %s (%s) both listen on %s: change one of them",
					first.Component, first.Key, second.Component, second.Key, second.Address))
			}
		}
	}
	return errs
}

// overlap reports whether binding a and b would collide: the same port on
// the same address, or on a wildcard.
func overlap(a, b string) bool {
	aIPs, aPort, errA := resolve(a)
	bIPs, bPort, errB := resolve(b)
	if errA != nil || errB != nil || aPort != bPort || aPort == 0 { // port 0: each gets its own
		return false
	}
	if len(bIPs) == 0 {
		return true
	}
	return conflictsWith(aIPs)(bIPs[0])
}

// checkFree binds l's address the way the component will and, when another
// process holds it, says which. Other bind errors are left to the component,
// which reports them at start.
func checkFree(l Listener) error {
	ln, err := net.Listen("tcp", l.Address)
	if err == nil {
		return ln.Close()
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return nil
	}
	foreign, known := foreignHolders(l.Address)
	if !known || foreign == "" { // "": only this executable holds it, the collector being reloaded
		return nil
	}
	return fmt.Errorf("%s cannot listen on %s (%s): address already in use by %s: stop that process or change %s",
		l.Component, l.Address, l.Key, foreign, l.Key)
}

// resolve splits address into the IPs a bind would use and the port.
func resolve(address string) ([]net.IP, int, error) {
	addr, err := net.ResolveTCPAddr("tcp", address)
	if err != nil {
		return nil, 0, err
	}
	if addr.IP == nil {
		return nil, addr.Port, nil // ":port": every interface
	}
	return []net.IP{addr.IP}, addr.Port, nil
}
