#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for FUZZTIME each (default 60s),
# one after the other, with FUZZ_PARALLEL workers (default 2).
#
#   scripts/fuzz.sh                      # every target, 60s each
#   FUZZTIME=10m scripts/fuzz.sh         # longer
#   scripts/fuzz.sh FuzzReadReply        # only targets matching a regexp
#   FUZZ_SAVE_CORPUS=1 scripts/fuzz.sh   # also copy the corpus the fuzzer grew
#                                        # (GOCACHE/fuzz) into <pkg>/testdata/fuzz
#
# A crasher is written by `go test` to <pkg>/testdata/fuzz/<FuzzX>/<hash>; from
# then on plain `go test` (make test) replays it as a regression test. Commit it
# with the fix. The script exits non-zero when any target failed and lists them.
set -uo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
FUZZTIME=${FUZZTIME:-60s}
FUZZ_PARALLEL=${FUZZ_PARALLEL:-2}
filter=${1:-.}

# "<package dir> <FuzzName>" for every fuzz target, from the test sources.
targets=$(git ls-files -co --exclude-standard '*_test.go' |
	xargs grep -H -o '^func Fuzz[A-Za-z0-9_]*' |
	sed -E 's#^(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]*)#\1 \2#' |
	grep -E " .*${filter}" | sort -u)
if [ -z "$targets" ]; then
	echo "no fuzz target matches '$filter'" >&2
	exit 1
fi

cache=$(go env GOCACHE)/fuzz
module=$(go list -m)
failed=()
summary=()
while read -r dir name; do
	pkg="./$dir"
	echo "=== $pkg $name ($FUZZTIME)"
	before=$(ls "$dir/testdata/fuzz/$name" 2>/dev/null | wc -l)
	start=$(date +%s)
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime="$FUZZTIME" -parallel="$FUZZ_PARALLEL" "$pkg"; then
		failed+=("$pkg $name")
	fi
	took=$(( $(date +%s) - start ))
	after=$(ls "$dir/testdata/fuzz/$name" 2>/dev/null | wc -l)
	corpus=$(ls "$cache/$module/$dir/$name" 2>/dev/null | wc -l)
	summary+=("$pkg $name: ${took}s, corpus $corpus entries, new crashers $((after - before))")
	if [ "${FUZZ_SAVE_CORPUS:-}" = 1 ] && [ -d "$cache/$module/$dir/$name" ]; then
		mkdir -p "$dir/testdata/fuzz/$name"
		cp -n "$cache/$module/$dir/$name"/* "$dir/testdata/fuzz/$name/"
	fi
done <<<"$targets"

echo
echo "=== fuzz summary (FUZZTIME=$FUZZTIME)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED (crasher in <pkg>/testdata/fuzz/<target>/; replay with go test -run '<target>/<file>' <pkg>):"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
