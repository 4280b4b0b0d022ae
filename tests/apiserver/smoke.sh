#!/usr/bin/env bash
# Smoke test: start the built etcd + kube-apiserver on loopback (random free
# ports, temp dirs, openssl-made certs), wait for /readyz, create and read a
# few objects with an admin token, then stop both.  Leaves no process behind.
#
#   bash tests/apiserver/smoke.sh [DIR]      # DIR holds kube-apiserver and etcd;
#                                            # default: what build.sh prints
# The flag set here is the one documented in README.md for the pytest fixture.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$(bash "$here/build.sh" | tail -n1)}
for t in openssl curl python3; do
  command -v "$t" >/dev/null || { echo "smoke.sh: needs $t" >&2; exit 3; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/k8saudit-smoke.XXXXXX")
etcd_pid='' api_pid=''
cleanup() {
  local rc=$?
  local t0 p; t0=$(now)
  # apiserver first (it would otherwise spin retrying a dead etcd), then etcd
  for p in $api_pid $etcd_pid; do
    kill "$p" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  [[ -z $api_pid ]] || echo "stopped kube-apiserver and etcd in $(secs "$t0" "$(now)")s"
  if [[ $rc -ne 0 ]]; then
    echo "smoke.sh: FAILED (rc=$rc); last log lines:" >&2
    tail -n 25 "$work/etcd.log" "$work/apiserver.log" >&2 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

# Free loopback ports: bind port 0, read the number, release it.
read -r etcd_port peer_port api_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks:
    s.close()
PY
)

# --- certificates: CA, serving cert for 127.0.0.1/localhost, service-account key
pki=$work/pki; mkdir -p "$pki"
(
  cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
    -subj "/CN=k8saudit-test-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
    -subj "/CN=kube-apiserver" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc" \
    "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature,keyEncipherment" >ext.cnf
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out apiserver.crt -days 2 -extfile ext.cnf 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
)
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
echo "$token,admin,admin-uid,\"system:masters\"" >"$pki/tokens.csv"

# --- etcd
t_etcd=$(now)
"$bin/etcd" \
  --name=default \
  --data-dir="$work/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" \
  --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
  --initial-cluster="default=http://127.0.0.1:$peer_port" \
  --unsafe-no-fsync=true \
  --log-level=warn \
  >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 300); do
  curl -fsS --max-time 2 "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"' && break
  kill -0 "$etcd_pid" 2>/dev/null || { echo "smoke.sh: etcd exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS --max-time 2 "http://127.0.0.1:$etcd_port/health" | grep -q '"health":"true"'
echo "etcd healthy on 127.0.0.1:$etcd_port after $(secs "$t_etcd" "$(now)")s"

# --- kube-apiserver
t_api=$(now)
"$bin/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none \
  --secure-port="$api_port" \
  --cert-dir="$work/apiserver-certs" \
  --tls-cert-file="$pki/apiserver.crt" \
  --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --token-auth-file="$pki/tokens.csv" \
  --authorization-mode=Node,RBAC \
  --service-account-key-file="$pki/sa.pub" \
  --service-account-signing-key-file="$pki/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=10.0.0.0/24 \
  --disable-admission-plugins=ServiceAccount \
  --allow-privileged=true \
  >"$work/apiserver.log" 2>&1 &
api_pid=$!
api="https://127.0.0.1:$api_port"
kc() { curl -sS --max-time 10 --cacert "$pki/ca.crt" -H "Authorization: Bearer $token" "$@"; }
code=000
for _ in $(seq 1200); do     # up to ~2 minutes
  code=$(kc -o /dev/null -w '%{http_code}' "$api/readyz" 2>/dev/null) || code=000
  [[ $code == 200 ]] && break
  kill -0 "$api_pid" 2>/dev/null || { echo "smoke.sh: kube-apiserver exited" >&2; exit 1; }
  sleep 0.1
done
[[ $code == 200 ]] || { echo "smoke.sh: /readyz never 200 (last $code)" >&2; exit 1; }
echo "kube-apiserver /readyz 200 on $api after $(secs "$t_api" "$(now)")s"

# --- a few real requests
ver=$(kc "$api/version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gitVersion"])')
echo "server /version gitVersion=$ver"
[[ $ver == "$(tr -d '[:space:]' <"$here/VERSION")" ]]
# anonymous requests are authenticated as system:anonymous -> 403 on lists
anon=$(curl -sS --max-time 10 --cacert "$pki/ca.crt" -o /dev/null -w '%{http_code}' "$api/api/v1/pods")
echo "anonymous GET /api/v1/pods -> $anon"
post() {  # post <path> <json>; fail unless 201
  local c
  c=$(kc -o "$work/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' -X POST "$api$1" -d "$2")
  [[ $c == 201 ]] || { echo "smoke.sh: POST $1 -> $c: $(cat "$work/resp.json")" >&2; return 1; }
  echo "POST $1 -> $c"
}
post /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"smoke"}}'
post /api/v1/namespaces/smoke/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"priv"},
  "spec":{"hostNetwork":true,"containers":[{"name":"c","image":"busybox",
  "securityContext":{"privileged":true}}]}}'
post /api/v1/namespaces/smoke/serviceaccounts '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"bot"}}'
post /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1",
  "kind":"ClusterRoleBinding","metadata":{"name":"bot-admin"},
  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
  "subjects":[{"kind":"ServiceAccount","name":"bot","namespace":"smoke"}]}'
# a token for the new SA via TokenRequest, then use it (proves the SA key flags)
sa_token=$(kc -H 'Content-Type: application/json' -X POST \
  "$api/api/v1/namespaces/smoke/serviceaccounts/bot/token" \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["token"])')
n=$(curl -sS --max-time 10 --cacert "$pki/ca.crt" -H "Authorization: Bearer $sa_token" "$api/api/v1/pods" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
echo "SA token lists pods cluster-wide: $n pod(s)"
[[ $n -ge 1 ]]
echo "smoke.sh: OK"
