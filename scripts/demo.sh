#!/usr/bin/env bash
# Run the sample voters in demo/voters.jsonl through
# `meltano run tap-jsonl target-salesforce-br` against the Salesforce emulator
# on 127.0.0.1, then print the Contacts and Topics that the emulator stores.
# `make demo` sets up .venv and .meltano-venv first; the emulator is stopped
# when this script exits, whether the run succeeded or not.
set -euo pipefail

cd "$(dirname "$0")/.."

PYTHON=.venv/bin/python
MELTANO=.meltano-venv/bin/meltano
UTM_FIELD=BR_UTM_Campaign__c
# Throw-away credentials that the emulator accepts for the client credentials flow.
CLIENT_ID=demo-client-id
CLIENT_SECRET=demo-client-secret
READY_TIMEOUT_SECONDS=30

export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
export MELTANO_CLI_DISABLE_VERSION_CHECK=true

workdir=$(mktemp -d)
emulator_pid=""

stop_emulator() {
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill "$emulator_pid"
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap stop_emulator EXIT

echo "==> Starting the Salesforce emulator on 127.0.0.1"
"$PYTHON" -m sf_emulator --port 0 --ready-file "$workdir/ready.json" \
    --field "Contact.$UTM_FIELD:string:255" \
    --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" \
    >"$workdir/emulator.log" 2>&1 &
emulator_pid=$!

# The emulator writes the ready file once it accepts connections.
ready=""
for _ in $(seq $((READY_TIMEOUT_SECONDS * 10))); do
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "The emulator exited before it was ready; its output:" >&2
        cat "$workdir/emulator.log" >&2
        exit 1
    fi
    if ready=$("$PYTHON" -c '
import json, sys
info = json.load(open(sys.argv[1]))
print(info["base_url"], info["ca_path"])
' "$workdir/ready.json" 2>/dev/null); then
        break
    fi
    ready=""
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "The emulator wrote no ready file within ${READY_TIMEOUT_SECONDS} s; its output:" >&2
    cat "$workdir/emulator.log" >&2
    exit 1
fi
read -r base_url ca_path <<<"$ready"
echo "    listening at $base_url"

echo "==> meltano install tap-jsonl target-salesforce-br"
"$MELTANO" install tap-jsonl target-salesforce-br

echo "==> meltano run tap-jsonl target-salesforce-br"
# --full-refresh: tap-jsonl skips a file whose modification time is not newer
# than its bookmark, so without it a second `make demo` would read nothing.
env \
    TARGET_SALESFORCE_BR_LOGIN_URL="$base_url" \
    TARGET_SALESFORCE_BR_DOMAIN=emulator.my \
    TARGET_SALESFORCE_BR_CLIENT_ID="$CLIENT_ID" \
    TARGET_SALESFORCE_BR_CLIENT_SECRET="$CLIENT_SECRET" \
    TARGET_SALESFORCE_BR_UTM_CAMPAIGN_FIELD="$UTM_FIELD" \
    REQUESTS_CA_BUNDLE="$ca_path" \
    "$MELTANO" run --no-install --full-refresh tap-jsonl target-salesforce-br

echo "==> Contacts and Topics in the emulator"
"$PYTHON" scripts/show_contacts.py --base-url "$base_url" --ca-bundle "$ca_path" \
    --utm-field "$UTM_FIELD"
