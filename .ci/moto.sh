#!/usr/bin/env bash
# Runs the compute behaviour suite for AWS against moto, the independent AWS peer.
#
# - creates (or reuses) a Python venv at ./.venv and installs 'moto[server]' into it;
# - starts moto_server on a free loopback port and waits until it answers;
# - while auth is still off, creates an IAM user with an access key, an allow-all policy and a
#   role to assume, then turns signature checking on (so "wrong secret → Auth" and STS
#   credentials are really checked);
# - runs `cargo test -p unicloud --test behavior` with UNICLOUD_TEST_TARGET=moto, then the
#   emulator's EC2 route-table flow (tests/aws_sdk.rs, ignored by default) against moto;
# - stops moto by its PID on every exit path.
#
# Any failure — including failing to install or start moto — fails the script: nothing is
# skipped silently.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

log() { printf '[moto] %s\n' "$*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating the venv at $VENV"
    "$PY" -m venv "$VENV"
fi
log "installing moto[server]"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'moto[server]'
[[ -x "$VENV/bin/moto_server" ]] || { log "moto_server missing after install"; exit 1; }

PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
MOTO_LOG=$(mktemp -t moto-server.XXXXXX.log)

"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
cleanup() {
    if kill -0 "$MOTO_PID" 2>/dev/null; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT INT TERM

log "waiting for moto_server (pid $MOTO_PID) on $URL"
for _ in $(seq 1 150); do
    if curl -sf "$URL/moto-api/" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
        log "moto_server exited early:"; cat "$MOTO_LOG" >&2; exit 1
    fi
    sleep 0.2
done
curl -sf "$URL/moto-api/" >/dev/null || { log "moto_server did not become ready"; cat "$MOTO_LOG" >&2; exit 1; }

# IAM calls while auth is off: moto routes by the credential scope, the signature is not checked.
iam() {
    curl -sf -H "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00" \
        --data-urlencode "Version=2010-05-08" "$@" "$URL/"
}
xml_value() { sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p"; }

ALLOW='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}'
iam --data-urlencode "Action=CreateUser" --data-urlencode "UserName=unicloud-suite" >/dev/null
KEY_XML=$(iam --data-urlencode "Action=CreateAccessKey" --data-urlencode "UserName=unicloud-suite")
KEY_ID=$(xml_value AccessKeyId <<<"$KEY_XML")
KEY_SECRET=$(xml_value SecretAccessKey <<<"$KEY_XML")
[[ -n "$KEY_ID" && -n "$KEY_SECRET" ]] || { log "could not create an IAM access key"; exit 1; }
POLICY_ARN=$(iam --data-urlencode "Action=CreatePolicy" --data-urlencode "PolicyName=unicloud-allow-all" \
    --data-urlencode "PolicyDocument=$ALLOW" | xml_value Arn)
iam --data-urlencode "Action=AttachUserPolicy" --data-urlencode "UserName=unicloud-suite" \
    --data-urlencode "PolicyArn=$POLICY_ARN" >/dev/null
iam --data-urlencode "Action=CreateRole" --data-urlencode "RoleName=unicloud-suite" \
    --data-urlencode "AssumeRolePolicyDocument=$TRUST" >/dev/null
iam --data-urlencode "Action=AttachRolePolicy" --data-urlencode "RoleName=unicloud-suite" \
    --data-urlencode "PolicyArn=$POLICY_ARN" >/dev/null
# From now on every request must be signed with a known key.
curl -sf -X POST -H "Content-Type: text/plain" -d 0 "$URL/moto-api/reset-auth" >/dev/null
log "IAM auth is on (user unicloud-suite)"

log "running the behaviour suite against moto"
UNICLOUD_TEST_PROVIDERS=aws \
UNICLOUD_TEST_TARGET=moto \
UNICLOUD_TEST_ENDPOINT="$URL" \
UNICLOUD_TEST_MOTO_AUTH=1 \
UNICLOUD_TEST_AWS_ACCESS_KEY_ID="$KEY_ID" \
UNICLOUD_TEST_AWS_SECRET_ACCESS_KEY="$KEY_SECRET" \
    cargo test -p unicloud --test behavior

log "running the emulator's EC2 route-table flow against moto (the same flow the emulator passes)"
UNICLOUD_TEST_ENDPOINT="$URL" \
UNICLOUD_TEST_AWS_ACCESS_KEY_ID="$KEY_ID" \
UNICLOUD_TEST_AWS_SECRET_ACCESS_KEY="$KEY_SECRET" \
    cargo test -p unicloud-emulator --test aws_sdk -- --ignored
log "moto suite passed"
