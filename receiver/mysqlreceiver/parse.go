package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"math"
	"strconv"
)

// parseInt reads a status or variable value as an integer: decimal digits
// with an optional sign (the common case, without allocating), or a decimal
// fraction, which is truncated toward zero. It reports false for anything
// else (empty, NULL, ON/OFF, text, out of the int64 range).
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	digits := b
	switch b[0] {
	case '-':
		neg, digits = true, b[1:]
	case '+':
		digits = b[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var n uint64
	for i, c := range digits {
		if c < '0' || c > '9' {
			if c == '.' || c == 'e' || c == 'E' {
				return parseFraction(b, i > 0)
			}
			return 0, false
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case !neg && n <= math.MaxInt64:
		return int64(n), true
	case neg && n <= math.MaxInt64+1:
		return -int64(n-1) - 1, true
	}
	return 0, false
}

func parseFraction(b []byte, hadDigits bool) (int64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || !hadDigits || math.IsNaN(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}
