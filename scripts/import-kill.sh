#!/usr/bin/env bash
# kill -9 in the middle of a large import, then resume: every row exactly once.
# Release build, run by hand (CI runs the same test on 4,500 rows:
# crm-server/tests/e2e/cli.rs, an_import_killed_mid_way_resumes_and_writes_every_row_once).
#
#   scripts/import-kill.sh [ROWS]     (default 100000)
#   CRM_BIN=path/to/crm scripts/import-kill.sh 4500     (a binary already built)
#
# Prints the time of the interrupted run, of the resumption, and of a second import of the
# same file (every row found once, nothing written), and fails if any count is off.
set -euo pipefail
rows=${1:-100000}
cd "$(dirname "$0")/.."
if [ -z "${CRM_BIN:-}" ]; then
  cargo build --release -q -p crm-server --bin crm
fi
bin=${CRM_BIN:-${CARGO_TARGET_DIR:-target}/release/crm}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$work/data
"$bin" migrate --data-dir "$data" > /dev/null
CRM_ADMIN_PASSWORD='mot de passe du script' "$bin" tenant create --data-dir "$data" \
  --name "Import interrompu" --admin-email admin@kill.example > /dev/null
tenant=$("$bin" tenant list --data-dir "$data" | awk 'NR==2 {print $1}')
file=$work/contacts.csv
{
  printf 'Prénom;Nom;E-mail;Société\r\n'
  seq 0 $((rows - 1)) | awk '{ printf "Prénom%d;Nom%d;p%d@kill.example;Société %d\r\n", $1, $1, $1, $1 % 200 }'
} > "$file"

start=$(date +%s.%N)
"$bin" import run --data-dir "$data" --tenant "$tenant" "$file" > "$work/run.out" 2> "$work/run.err" &
pid=$!
# Killed once about half the rows are written.
while kill -0 "$pid" 2> /dev/null; do
  done_rows=$({ grep -o 'progression : [0-9]*' "$work/run.err" || true; } | tail -1 | awk '{print $3}')
  if [ -n "${done_rows:-}" ] && [ "$done_rows" -ge $((rows / 2)) ]; then
    kill -9 "$pid"
    break
  fi
  sleep 0.2
done
wait "$pid" 2> /dev/null || true
killed=$(date +%s.%N)
job=$(awk '/^Import/ {print $2; exit}' "$work/run.out")
echo "killed at ${done_rows:-?}/$rows rows after $(echo "$killed - $start" | bc) s (import $job)"
[ -n "${done_rows:-}" ] && [ "$done_rows" -lt "$rows" ] || { echo "not killed mid-way"; exit 1; }

t0=$(date +%s.%N)
out=$("$bin" import resume --data-dir "$data" --tenant "$tenant" "$job")
t1=$(date +%s.%N)
echo "$out" | tail -1
echo "resumed in $(echo "$t1 - $t0" | bc) s (including the wait for the dead worker's 10 s lease)"
echo "$out" | grep -q "créés : $rows, mis à jour : 0, déjà à jour : 0, ignorées : 0, sociétés créées : 200" \
  || { echo "FAILED: counts off"; exit 1; }

t0=$(date +%s.%N)
again=$("$bin" import run --data-dir "$data" --tenant "$tenant" "$file" 2> /dev/null | tail -1)
t1=$(date +%s.%N)
echo "$again"
echo "same file again in $(echo "$t1 - $t0" | bc) s"
echo "$again" | grep -q "créés : 0, mis à jour : 0, déjà à jour : $rows, ignorées : 0" \
  || { echo "FAILED: a row is missing or twice"; exit 1; }
echo "every row exactly once"
