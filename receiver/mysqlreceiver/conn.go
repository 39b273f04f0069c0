package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"
)

// The protocol bytes watchConn looks for: the first two of a server packet
// during the login.
const (
	authMoreData = 0x01
	// caching_sha2_password found no cached hash and wants the password.
	performFullAuthentication = 0x04
	// The first byte of a PEM key ("-----BEGIN"): with sha256_password the
	// driver encrypts the password with whatever key the server sends.
	pemStart = '-'
)

// errPasswordWithoutTLS refuses a login that would send the password, on a
// connection without TLS, in a form the server can read: the driver asks the
// server for its RSA key (caching_sha2_password full authentication) or takes
// the key the server sends (sha256_password). A rogue server, or a man in the
// middle, sends its own key and decrypts the password.
var errPasswordWithoutTLS = errors.New("the server asks for the password on a connection without TLS " +
	"(caching_sha2_password full authentication, or sha256_password with a key of its own), which would hand it to whoever answers on the endpoint: " +
	"turn TLS on (`tls::insecure: false`, `tls::ca_file`), or set `server_public_key_file` to the server's RSA public key (its public_key.pem); " +
	"the receiver never takes the key from the server")

// scrapeBudget is what one scrape may read from the server: a SHOW or SELECT
// whose rows never end (a 1 GiB value, a hostile server) is cut there instead
// of growing the collector's heap. The driver's maxAllowedPacket bounds only
// what the client sends.
type scrapeBudget struct {
	max      int64
	left     atomic.Int64
	exceeded atomic.Bool
}

func (b *scrapeBudget) reset() {
	b.left.Store(b.max)
	b.exceeded.Store(false)
}

// spend takes n bytes and reports whether the budget still holds.
func (b *scrapeBudget) spend(n int) bool {
	if b.left.Add(-int64(n)) >= 0 {
		return true
	}
	b.exceeded.Store(true)
	return false
}

var errBudget = errors.New("scrape byte budget exceeded")

// watchConn is the connection the driver gets: reads spend the scrape's
// budget, and without TLS the server's packets are followed until the login
// ends (the first command, sequence number 0) so that nothing more is written
// once the server asks for the password in a form it could read.
type watchConn struct {
	net.Conn
	budget *scrapeBudget
	login  *loginWatch // nil with TLS, and once the login is over
}

func (c *watchConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.budget.spend(n) {
		return n, errBudget
	}
	if c.login != nil {
		c.login.scan(p[:n])
	}
	return n, err
}

func (c *watchConn) Write(p []byte) (int, error) {
	if c.login != nil {
		if c.login.refused.Load() {
			return 0, errPasswordWithoutTLS // nothing more goes to this server
		}
		if len(p) >= 4 && p[3] == 0 {
			c.login = nil // a command: the login is over
		}
	}
	return c.Conn.Write(p)
}

// loginWatch splits the server's byte stream into packets and looks at the
// first two bytes of each.
type loginWatch struct {
	header    [4]byte
	headerLen int // header bytes seen of the current packet
	remaining int // payload bytes of the current packet still to come
	lead      []byte
	// fullAuthOK is true when a full authentication is safe: the driver
	// encrypts with `server_public_key_file`, or sends the password over a
	// unix socket.
	fullAuthOK bool
	// refused is shared with the client, which explains the failed query.
	refused *atomic.Bool
}

func (w *loginWatch) scan(p []byte) {
	for len(p) > 0 {
		if w.remaining == 0 {
			n := copy(w.header[w.headerLen:], p)
			w.headerLen += n
			p = p[n:]
			if w.headerLen == 4 {
				w.headerLen = 0
				w.remaining = int(w.header[0]) | int(w.header[1])<<8 | int(w.header[2])<<16
				w.lead = w.lead[:0]
			}
			continue
		}
		n := min(len(p), w.remaining)
		if len(w.lead) < 2 {
			w.lead = append(w.lead, p[:min(n, 2-len(w.lead))]...)
			w.check()
		}
		w.remaining -= n
		p = p[n:]
	}
}

func (w *loginWatch) check() {
	if len(w.lead) < 2 || w.lead[0] != authMoreData {
		return
	}
	if w.lead[1] == pemStart || (w.lead[1] == performFullAuthentication && !w.fullAuthOK) {
		w.refused.Store(true)
	}
}

// serverKeyName registers the RSA key the driver encrypts the password with
// (sha256_password, caching_sha2_password full authentication) when there is
// no TLS, so that it never asks the server for one. Without
// `server_public_key_file` that key is the collector's own, whose private half
// is thrown away: a real server cannot decrypt it either and refuses the
// login, but nobody learns the password.
func serverKeyName(cfg *Config) (string, error) {
	if cfg.ServerPublicKeyFile == "" {
		throwawayKeyOnce.Do(registerThrowawayKey)
		return throwawayKeyName, throwawayKeyErr
	}
	pemBytes, err := os.ReadFile(cfg.ServerPublicKeyFile)
	if err != nil {
		return "", fmt.Errorf("mysql %s: `server_public_key_file`: %w", cfg.Endpoint, err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return "", fmt.Errorf("mysql %s: `server_public_key_file` %s has no PEM block: use the server's public_key.pem", cfg.Endpoint, cfg.ServerPublicKeyFile)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	rsaKey, isRSA := key.(*rsa.PublicKey)
	if err != nil || !isRSA {
		return "", fmt.Errorf("mysql %s: `server_public_key_file` %s is not an RSA public key (%v): use the server's public_key.pem", cfg.Endpoint, cfg.ServerPublicKeyFile, err)
	}
	name := "platform-collector:" + cfg.ServerPublicKeyFile
	mysql.RegisterServerPubKey(name, rsaKey)
	return name, nil
}

const throwawayKeyName = "platform-collector:throwaway"

var (
	throwawayKeyOnce sync.Once
	throwawayKeyErr  error
)

func registerThrowawayKey() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		throwawayKeyErr = fmt.Errorf("generating the throwaway RSA key: %w", err)
		return
	}
	mysql.RegisterServerPubKey(throwawayKeyName, &key.PublicKey)
}
