package testenv

import (
	"bufio"
	"fmt"
	"io"
	"net"
)

// RESPHandler is a fake Redis for ServeTCP: it reads one command after
// another (a RESP array of bulk strings, as every client sends them) and
// writes answer(args), a raw RESP reply, for each; args[0] is the command's
// name. An empty answer writes nothing, so the client waits for a reply
// that never comes. It stops at the end of the connection or at anything
// that is not such a command.
func RESPHandler(answer func(args []string) string) func(net.Conn) {
	return func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			args, err := ReadRESPCommand(r)
			if err != nil {
				return
			}
			if _, err := io.WriteString(c, answer(args)); err != nil {
				return
			}
		}
	}
}

// RESPBulk is text as a RESP bulk string reply, e.g. the answer to INFO.
func RESPBulk(text string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(text), text) }

// ReadRESPCommand reads one command a client sent: "*N\r\n" and N bulk
// strings "$LEN\r\nVALUE\r\n" (fmt's "\n" matches "\r\n").
func ReadRESPCommand(r *bufio.Reader) ([]string, error) {
	var n int
	if _, err := fmt.Fscanf(r, "*%d\n", &n); err != nil || n < 1 {
		return nil, fmt.Errorf("not a RESP command: %d arguments (%v)", n, err)
	}
	args := make([]string, n)
	for i := range args {
		var size int
		if _, err := fmt.Fscanf(r, "$%d\n", &size); err != nil || size < 0 {
			return nil, fmt.Errorf("not a RESP bulk string: length %d (%v)", size, err)
		}
		value := make([]byte, size+2) // with its \r\n
		if _, err := io.ReadFull(r, value); err != nil {
			return nil, err
		}
		args[i] = string(value[:size])
	}
	return args, nil
}
