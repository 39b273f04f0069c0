package targetstate

import (
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"time"
)

// Stable returns err with a text that is the same at every scrape that fails
// for the same cause, so that the Tracker, which compares texts, logs an
// outage once: a network error loses the connection's addresses ("read tcp
// 127.0.0.1:41722->127.0.0.1:6379: read: connection reset by peer" becomes
// "read: connection reset by peer"; the local port changes with every
// connection), a DNS error the resolver that answered, and an expired
// certificate the current time. The result unwraps to err, so errors.Is and
// errors.As still see every cause. The receivers name the target themselves.
func Stable(err error) error {
	if err == nil {
		return nil
	}
	text := stableText(err)
	if text == err.Error() {
		return err
	}
	return Reword(err, text)
}

// Reword returns err with text as its whole message, still unwrapping to
// err: for a receiver that reports a whole class of causes with one text
// (the MySQL driver words one lost connection three ways from one scrape to
// the next), so that the outage is logged once.
func Reword(err error, text string) error {
	return rewordedError{text: text, err: err}
}

// stableText is err's text with the unstable parts of every error in its
// chain replaced, found by their text inside the wrapping errors' texts.
func stableText(err error) string {
	switch e := err.(type) {
	case *net.OpError:
		return opText(e)
	case *net.DNSError:
		withoutServer := *e
		withoutServer.Server = ""
		return withoutServer.Error()
	case x509.CertificateInvalidError:
		if e.Reason == x509.Expired && e.Cert != nil {
			// Detail holds "current time ... is after ...".
			return "x509: certificate has expired or is not yet valid: it is valid from " +
				e.Cert.NotBefore.UTC().Format(time.RFC3339) + " to " + e.Cert.NotAfter.UTC().Format(time.RFC3339)
		}
	}
	text := err.Error()
	for _, inner := range unwrap(err) {
		if innerText, stable := inner.Error(), stableText(inner); innerText != stable {
			text = strings.Replace(text, innerText, stable, 1)
		}
	}
	return text
}

// opText is a network error without its addresses.
func opText(e *net.OpError) string {
	inner := stableText(e.Err)
	var sysErr *os.SyscallError
	if errors.As(e.Err, &sysErr) && strings.HasPrefix(inner, sysErr.Syscall+": ") {
		return inner // already "read: connection reset by peer", "connect: connection refused"
	}
	return e.Op + ": " + inner
}

func unwrap(err error) []error {
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return []error{inner}
		}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}

// rewordedError is err with another text.
type rewordedError struct {
	text string
	err  error
}

func (e rewordedError) Error() string { return e.text }
func (e rewordedError) Unwrap() error { return e.err }
