#!/bin/sh
# Heavy proof, run by hand: the memory of a release `crm reindex` (rebuild then final
# merge) over an existing data directory, such as the one search-bench leaves behind.
# Prints the peak of RssAnon (the process's own memory: heap and stacks) and of RssFile
# (pages of mapped files: the index read by the merge, which the kernel can drop), sampled
# every 50 ms from /proc, with the wall time.
# Usage: cargo build --release --bin crm && scripts/reindex-memory.sh DATA_DIR [path/to/crm]
# TRACE=file also writes "seconds RssAnon RssFile" (MiB) there every second or so.
set -e
DATA=${1:?usage: scripts/reindex-memory.sh DATA_DIR [path/to/crm]}
BIN=${2:-${CARGO_TARGET_DIR:-target}/release/crm}
START=$(date +%s.%N)
$BIN --data-dir "$DATA" reindex > /tmp/reindex-memory.$$.log 2>&1 &
PID=$!
ANON=0
FILE=0
TICK=0
while kill -0 $PID 2>/dev/null; do
    # One read of the status a sample, both figures from it (0 once the process is gone).
    set -- $(awk '/^RssAnon:/ {a = $2} /^RssFile:/ {f = $2} END {print a + 0, f + 0}' /proc/$PID/status 2>/dev/null || echo 0 0)
    A=${1:-0}
    F=${2:-0}
    [ "$A" -gt "$ANON" ] && ANON=$A
    [ "$F" -gt "$FILE" ] && FILE=$F
    TICK=$((TICK + 1))
    if [ -n "$TRACE" ] && [ $((TICK % 20)) -eq 0 ]; then
        echo "$(echo "$(date +%s.%N) - $START" | bc | cut -d. -f1) $((A / 1024)) $((F / 1024))" >> "$TRACE"
    fi
    sleep 0.05
done
RC=0
wait $PID || RC=$?
END=$(date +%s.%N)
cat /tmp/reindex-memory.$$.log
rm -f /tmp/reindex-memory.$$.log
echo "reindex: $(echo "$END - $START" | bc) s, peak RssAnon $((ANON / 1024)) MiB, peak RssFile $((FILE / 1024)) MiB, exit $RC"
exit $RC
