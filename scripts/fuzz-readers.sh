#!/usr/bin/env bash
# Fuzzes the readers of the files people send (CSV in every dialect, XLSX, vCards) with cargo-fuzz
# (libFuzzer, nightly toolchain): not run by CI, run by hand before a release.
#
#   scripts/fuzz-readers.sh [SECONDS per target, default 60] [targets…]
#
# Installs cargo-fuzz when missing. Seeds each corpus with real files (the test fixtures,
# CSV as French Excel, another CRM and a tab-separated export write them), so that the
# mutations reach the XML inside workbooks. A panic, a crash, a time-out (10 s an input)
# or memory over 1 GiB (an allocation a limit should have refused: zip bombs, huge
# dimensions) stops the run; the input is kept under fuzz/artifacts/<target>/. Ends with
# one line per target: runs, seconds, and "ok" or the failure.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
secs="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(read_csv read_xlsx read_vcards)

rustup toolchain list | grep -q '^nightly' || { echo "fuzz: the nightly toolchain is needed (rustup toolchain install nightly)" >&2; exit 2; }
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

corpus="fuzz/corpus"
mkdir -p "$corpus/read_csv" "$corpus/read_xlsx" "$corpus/read_vcards"
cp adapters/crm-tabular/tests/fixtures/*.xlsx "$corpus/read_xlsx/" 2>/dev/null || true
printf '\xef\xbb\xbfPr\xc3\xa9nom;Nom;E-mail;Soci\xc3\xa9t\xc3\xa9\r\nZo\xc3\xa9;Aubert;zoe@exemple.fr;"Cave ""Aubert""\r\net fils"\r\n' > "$corpus/read_csv/excel-utf8.csv"
printf 'Pr\xe9nom;Nom;Montant\r\nH\xe9l\xe8ne;Lef\xe8vre;1 234,50\r\n' > "$corpus/read_csv/excel-1252.csv"
printf 'First Name,Last Name,Email,Company\n"Doe, Jr",John,john@example.com,ACME\n' > "$corpus/read_csv/crm-export.csv"
printf 'nom\tville\ttel\nDupont\tLyon\t06 12 34 56 78\n' > "$corpus/read_csv/tabs.tsv"

printf 'BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Lef=E8vre;H=E9l=E8ne\r\nTEL;CELL:06 12 34 56 78\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\r\nb\r\nEND:VCARD\r\n' > "$corpus/read_vcards/android-2.1.vcf"
printf 'BEGIN:VCARD\nVERSION:4.0\nN:Brun;L\xc3\xa9o;;;\nADR:;;12\\, rue;Paris;;75002;FR\nTITLE:long\n e\nEND:VCARD\n' > "$corpus/read_vcards/rfc6350.vcf"
export CARGO_TARGET_DIR="${CRM_FUZZ_TARGET_DIR:-/var/tmp/crm-fuzz-target}"
summary=()
status=0
for t in "${targets[@]}"; do
    mkdir -p "fuzz/artifacts/$t"
    log="$(mktemp)"
    echo "fuzz: $t for ${secs} s"
    if cargo +nightly fuzz run --fuzz-dir fuzz --target-dir "$CARGO_TARGET_DIR" "$t" "$corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=1024 -malloc_limit_mb=1024 -max_len=1048576 -timeout=10 \
        -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1; then
        runs="$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)"
        summary+=("$t: ${runs:-done}: ok")
    else
        status=1
        tail -40 "$log"
        summary+=("$t: FAILED (input in fuzz/artifacts/$t/)")
    fi
    rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit "$status"
