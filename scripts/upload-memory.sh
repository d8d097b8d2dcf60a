#!/bin/sh
# Heavy proof, run by hand: the peak memory of a release `crm serve` receiving a 60 MiB
# upload and sending it back, against its idle peak (the upload is streamed to disk).
# Usage: cargo build --release --bin crm && scripts/upload-memory.sh [path/to/crm]
set -e
BIN=${1:-${CARGO_TARGET_DIR:-target}/release/crm}
D=$(mktemp -d)
export CRM_ADMIN_PASSWORD="une phrase de passe solide"
$BIN migrate --data-dir $D/data >/dev/null
$BIN tenant create --data-dir $D/data --name Mesure --admin-email admin@mesure.fr >/dev/null
$BIN serve --data-dir $D/data --listen 127.0.0.1:18099 > $D/out.log 2>&1 &
PID=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:18099/readyz >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -s -X POST http://127.0.0.1:18099/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"admin@mesure.fr","password":"une phrase de passe solide"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
head -c 62914560 /dev/urandom > $D/big.bin
echo "idle: $(grep -E 'VmHWM|VmRSS' /proc/$PID/status | tr -s ' ' | tr '\n' ' ')"
START=$(date +%s.%N)
curl -s -o $D/resp.json -w "upload: HTTP %{http_code} in %{time_total}s\n" -X POST "http://127.0.0.1:18099/api/v1/files?name=big.bin" -H "authorization: Bearer $TOKEN" -H 'content-type: application/octet-stream' --data-binary @$D/big.bin
echo "after upload: $(grep -E 'VmHWM|VmRSS' /proc/$PID/status | tr -s ' ' | tr '\n' ' ')"
ID=$(sed 's/.*"id":"\([^"]*\)".*/\1/' $D/resp.json)
curl -s -o $D/back.bin -w "download: HTTP %{http_code} in %{time_total}s\n" "http://127.0.0.1:18099/api/v1/files/$ID/content" -H "authorization: Bearer $TOKEN"
cmp $D/big.bin $D/back.bin && echo "download identical"
echo "after download: $(grep -E 'VmHWM|VmRSS' /proc/$PID/status | tr -s ' ' | tr '\n' ' ')"
du -sb $D/data/files | cut -f1 | xargs echo "bytes on disk:"
kill $PID; wait $PID 2>/dev/null || true
rm -rf $D
