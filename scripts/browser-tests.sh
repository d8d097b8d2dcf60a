#!/usr/bin/env bash
# Browser tests of the web interface (tests/browser): headless Debian Chromium driven by
# playwright-core under Node's own test runner, against a real `crm serve` per test file.
#
#   scripts/browser-tests.sh [test files…]      (default: tests/browser/*.test.mjs)
#
# Builds nothing: the server binary is $CRM_BIN, else $CARGO_TARGET_DIR/debug/crm
# (CARGO_TARGET_DIR defaults to /var/tmp/crm-ci-target; build it with
# `cargo build -p crm-server --bin crm`). Installs Chromium (Debian package) when it is
# missing, and the npm packages of tests/browser/package-lock.json when node_modules is
# missing or stale. Screenshots (and axe-core reports of failures) go to
# target/browser-screenshots/. Ends with one line "browser: N passed, N failed, N skipped"
# (skipped counts the tests marked todo); exits non-zero on any failure.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/crm-ci-target}"
export CRM_BIN="${CRM_BIN:-$CARGO_TARGET_DIR/debug/crm}"
if [[ ! -x "$CRM_BIN" ]]; then
    echo "browser-tests: no crm binary at $CRM_BIN (cargo build -p crm-server --bin crm, or set CRM_BIN)" >&2
    exit 2
fi

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if [[ -z "${CHROMIUM_PATH:-}" ]] && ! command -v chromium >/dev/null; then
    echo "browser-tests: installing Chromium (Debian package chromium)"
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q chromium
fi

command -v node >/dev/null || { echo "browser-tests: Node.js 20 or newer is needed" >&2; exit 2; }

# node_modules is current when it was installed from this very lock file.
cd tests/browser
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules || "$(cat node_modules/.crm-lock-sha256 2>/dev/null)" != "$lock_sum" ]]; then
    echo "browser-tests: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > node_modules/.crm-lock-sha256
fi
cd "$repo"

shots="$repo/target/browser-screenshots"
rm -rf "$shots"
mkdir -p "$shots"
export CRM_SCREENSHOT_DIR="$shots"

if [[ $# -gt 0 ]]; then
    files=("$@")
else
    files=(tests/browser/*.test.mjs)
fi

log="$repo/target/browser-tests.log"
start=$SECONDS
set +e
# One file at a time (each starts its own server and browser; the machine has 2 cores);
# a test that hangs is stopped after 2 minutes. The runner holds a whole file to that
# limit too, so the demonstration scenarios, which first load the full demo (about 70 s in
# a debug build), run apart with 10 minutes.
quick=() long=()
for f in "${files[@]}"; do
    if [[ "$f" == *scenarios.test.mjs ]]; then long+=("$f"); else quick+=("$f"); fi
done
: > "$log"
status=0
if [[ ${#quick[@]} -gt 0 ]]; then
    node --test --test-concurrency=1 --test-timeout=120000 --test-reporter=spec "${quick[@]}" 2>&1 | tee -a "$log"
    status=${PIPESTATUS[0]}
fi
if [[ ${#long[@]} -gt 0 ]]; then
    node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "${long[@]}" 2>&1 | tee -a "$log"
    s=${PIPESTATUS[0]}
    [[ $s -ne 0 ]] && status=$s
fi
set -e

# The runners' own summaries (spec reporter: "ℹ pass N", …) as one closing line; tests
# marked todo count as skipped.
awk -v secs=$((SECONDS - start)) '
    /^ℹ pass /      { p += $3 }
    /^ℹ fail /      { f += $3 }
    /^ℹ cancelled / { c += $3 }
    /^ℹ skipped /   { s += $3 }
    /^ℹ todo /      { t += $3 }
    END { printf "browser tests: %d s, %d todo, screenshots in target/browser-screenshots/\n", secs, t
          printf "browser: %d passed, %d failed, %d skipped\n", p, f + c, s + t }
' "$log"
exit "$status"
