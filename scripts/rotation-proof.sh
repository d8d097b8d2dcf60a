#!/usr/bin/env bash
# A master key rotation on a large installation while the server takes reads and writes,
# then the old key retired and the installation restarted with the new key only: the
# e2e test `keys::a_rotation_under_load_loses_nothing_and_the_old_key_retires`, in release
# mode, at the size given (CI runs it on 2,000 contacts).
#
#   scripts/rotation-proof.sh [CONTACTS]     (default 100000)
#
# Prints the import time, the rotation's time under load with the writes and reads it
# went through, and fails on any failed request, lost write or unreadable record.
set -euo pipefail
contacts=${1:-100000}
cd "$(dirname "$0")/.."
CRM_ROTATION_CONTACTS=$contacts cargo test --release -q -p crm-server --test e2e -- \
  keys::a_rotation_under_load_loses_nothing_and_the_old_key_retires --exact --nocapture
