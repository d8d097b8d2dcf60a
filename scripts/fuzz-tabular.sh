#!/usr/bin/env bash
# Fuzzes the table readers (crm-tabular: CSV and XLSX) for a while (default 60 s), by hand,
# not in CI: cargo-fuzz on the nightly toolchain. Seeds: the test fixtures and small CSVs.
# Usage: scripts/fuzz-tabular.sh [seconds]
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd "$root/adapters/crm-tabular/fuzz"
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
cp "$root/adapters/crm-tabular/tests/fixtures/"*.xlsx "$corpus/"
printf 'Pr\xe9nom;Nom;E-mail\r\nH\xe9l\xe8ne;Lef\xe8vre;h@x.fr\r\n' > "$corpus/fr.csv"
printf '\xef\xbb\xbfFirst Name,Notes\nAna,"a\nb"\n' > "$corpus/bom.csv"
cargo +nightly fuzz run read_table "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 2>&1 | tail -n 25
