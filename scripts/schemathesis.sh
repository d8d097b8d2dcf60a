#!/usr/bin/env bash
# Fuzzes the running API with schemathesis (from PyPI) as a logged-in Admin: no 5xx, every
# response must match /api/openapi.json, data that violates the schema must be refused
# (negative_data_rejection) and every authenticated operation must refuse a request
# without credentials (ignored_auth). Positive and negative examples, a fixed seed and a
# stated number of examples per operation (CRM_FUZZ_SEED, CRM_FUZZ_EXAMPLES), so a run can
# be replayed. Usage: scripts/schemathesis.sh [seconds]
# Further arguments go to schemathesis (e.g. --include-operation-id search).
# Needs: pip install schemathesis. Starts its own server on a throwaway data directory and
# runs schemathesis from it: nothing is written inside the checkout (besides target/).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_BUDGET="${1:-200}"
PORT="${CRM_FUZZ_PORT:-18090}"
DATA="$(mktemp -d)"
PASSWORD="mot de passe du fuzzing"
cargo build --release --bin crm
target/release/crm --data-dir "$DATA" migrate >/dev/null
CRM_ADMIN_PASSWORD="$PASSWORD" target/release/crm --data-dir "$DATA" tenant create --name "Fuzz" --admin-email fuzz@exemple.fr >/dev/null
target/release/crm --data-dir "$DATA" serve --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"fuzz@exemple.fr\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# Operations that would end the fuzzer's own session or lock its account are left out:
# logout, change_password, set_user_password, update_user (role), revoke_token, login;
# and the event stream, which never ends (covered by the e2e tests).
# schemathesis writes its crash cache (.schemathesis/), hypothesis its example database
# (.hypothesis/) and reports their default directory in the working directory: run from the
# throwaway directory, so nothing lands in the checkout (all of it goes with $DATA at exit;
# give absolute paths to --report-dir and the like to keep something).
mkdir "$DATA/fuzz"
(
    cd "$DATA/fuzz"
    export HYPOTHESIS_STORAGE_DIRECTORY="$DATA/fuzz/.hypothesis"
    schemathesis run "http://127.0.0.1:$PORT/api/openapi.json" --url "http://127.0.0.1:$PORT" \
        -H "Authorization: Bearer $TOKEN" \
        --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,negative_data_rejection,ignored_auth \
        --mode all --seed "${CRM_FUZZ_SEED:-2026}" --max-examples "${CRM_FUZZ_EXAMPLES:-25}" \
        --exclude-operation-id logout --exclude-operation-id change_password --exclude-operation-id set_user_password \
        --exclude-operation-id update_user --exclude-operation-id revoke_token --exclude-operation-id login \
        --exclude-operation-id event_stream \
        --max-time "$SECONDS_BUDGET" --workers 2 "${@:2}"
)
