#!/usr/bin/env bash
# inner.sh STATE BIN: PID 1 of the cluster's own pid, mount, net and uts namespaces (node.sh
# starts it through `unshare`). It sets up the node's network, puts tmpfs over the host paths
# containerd, runc and the kubelet hard-code, starts etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, containerd (importing STATE/images/*.oci.tar) and the
# kubelet, and stops them all on SIGTERM or when fd 3 (the lifeline: a pipe whose write end
# only the test process holds) reaches EOF. When this process exits the kernel kills whatever
# is left in the pid namespace and drops every mount made here.
set -uo pipefail
STATE=$1 BIN=$2
NODE=k8saudit-e2e NODEIP=10.77.0.1 SERVICE_IP=10.96.0.1
L=$STATE/logs
export PATH=$BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SOCK=/run/containerd/containerd.sock
t0=$EPOCHREALTIME
say() { local now=${EPOCHREALTIME/./}; local t=${t0/./}; printf '+%d.%03ds inner: %s\n' $(((now - t) / 1000000)) $((((now - t) / 1000) % 1000)) "$*"; }

stopping=''
stop_all() {
  [[ -n $stopping ]] && return
  stopping=1
  say "stopping"
  [[ -n ${kubelet_pid:-} ]] && kill "$kubelet_pid" 2>/dev/null
  # every container, before containerd goes: nothing outlives it half-stopped
  if [[ -n ${containerd_pid:-} ]]; then
    for t in $(ctr -a $SOCK -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a $SOCK -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1
    done
  fi
  for p in ${kubelet_pid:-} ${containerd_pid:-} ${sched_pid:-} ${kcm_pid:-} ${api_pid:-} ${etcd_pid:-}; do
    kill "$p" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  say "stopped; exiting (the kernel reaps the rest of the pid namespace)"
  exit 0
}
trap stop_all TERM INT HUP
# the lifeline: EOF on fd 3 means the test process is gone (finished, failed or killed)
if [[ -e /proc/self/fd/3 ]]; then
  (trap - TERM INT HUP; cat <&3 >/dev/null; kill -TERM 1) &
  exec 3<&-
  say "lifeline on fd 3: the cluster stops when its test process does"
else
  say "no lifeline (fd 3): stop the cluster with SIGTERM to this process"
fi

hostname "$NODE"
ip link set lo up
# the node's address: no `dummy` netdev in some kernels, so a veth pair kept in this namespace;
# the default route points into it, so no packet can leave the namespace
ip link add e2e0 type veth peer name e2e1
ip link set e2e1 up
ip addr add "$NODEIP/32" dev e2e0
ip link set e2e0 up
ip route add default dev e2e0
# No kube-proxy: the `kubernetes` Service's address is a local address of the node instead,
# and the API server listens on the Service's port (443), so in-cluster clients reach it.
ip addr add "$SERVICE_IP/32" dev lo
# Paths containerd, runc and the kubelet hard-code (/run/containerd, /run/runc, /run/netns,
# /var/lib/kubelet, /var/lib/cni, /var/log/containers): private tmpfs, gone with the namespace;
# nothing is created on the host.
for d in /run /var/lib /var/log; do mount -t tmpfs -o mode=0755 tmpfs "$d"; done
mkdir -p /run/containerd /var/lib/kubelet /var/log/containers
# etcd's data and containerd's content and snapshots (unpacked images, containers' layers) live
# in memory too: faster, and nothing to delete from disk afterwards. Seen from the host these
# directories stay empty; /proc/<this process>/root/... shows them.
mkdir -p "$STATE/etcd" "$STATE/containerd"
for d in "$STATE/etcd" "$STATE/containerd"; do mount -t tmpfs -o mode=0700 tmpfs "$d"; done

wait_for() {  # wait_for WHAT PID CMD...: poll CMD every 0.1 s, up to 120 s
  local what=$1 pid=$2
  shift 2
  for _ in $(seq 1200); do
    "$@" >/dev/null 2>&1 && { say "$what ready"; return 0; }
    kill -0 "$pid" 2>/dev/null || { say "$what EXITED"; tail -20 "$L/$what.log"; return 1; }
    sleep 0.1
  done
  say "$what TIMEOUT"
  return 1
}
P=$STATE/pki
admin_curl() { curl -fsS --max-time 2 --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "$@"; }

etcd --name=default --data-dir="$STATE/etcd" \
  --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
  --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
  --initial-cluster=default=http://127.0.0.1:2380 --unsafe-no-fsync=true --log-level=warn \
  >"$L/etcd.log" 2>&1 &
etcd_pid=$!
wait_for etcd $etcd_pid sh -c 'curl -fsS http://127.0.0.1:2379/health | grep -q true' || stop_all

kube-apiserver --etcd-servers=http://127.0.0.1:2379 \
  --bind-address=0.0.0.0 --advertise-address=$NODEIP --secure-port=443 \
  --cert-dir="$STATE/apiserver-certs" \
  --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" \
  --kubelet-client-certificate="$P/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$P/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$P/ca.crt" \
  --kubelet-preferred-address-types=InternalIP \
  --authorization-mode=Node,RBAC \
  --enable-admission-plugins=NodeRestriction \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=10.96.0.0/24 --allow-privileged=true \
  >"$L/kube-apiserver.log" 2>&1 &
api_pid=$!
wait_for kube-apiserver $api_pid admin_curl https://127.0.0.1:443/readyz || stop_all

kube-controller-manager --kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
  --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --service-cluster-ip-range=10.96.0.0/24 --allocate-node-cidrs=false \
  >"$L/kube-controller-manager.log" 2>&1 &
kcm_pid=$!
kube-scheduler --kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false \
  >"$L/kube-scheduler.log" 2>&1 &
sched_pid=$!

containerd --config "$STATE/containerd.toml" >"$L/containerd.log" 2>&1 &
containerd_pid=$!
wait_for containerd $containerd_pid ctr -a $SOCK version || stop_all
for archive in "$STATE"/images/*.oci.tar; do
  [[ -e $archive ]] || continue
  ctr -a $SOCK -n k8s.io images import "$archive" >>"$L/import.log" 2>&1 || say "image import $archive FAILED"
done
say "images: $(ctr -a $SOCK -n k8s.io images ls -q | tr '\n' ' ')"

kubelet --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
  --root-dir="$STATE/kubelet" --hostname-override=$NODE --node-ip=$NODEIP \
  >"$L/kubelet.log" 2>&1 &
kubelet_pid=$!
say "kubelet started"
: >"$STATE/inner.started"

while true; do
  for p in $etcd_pid $api_pid $kcm_pid $sched_pid $containerd_pid $kubelet_pid; do
    kill -0 "$p" 2>/dev/null || say "a component (pid $p) exited; see $L"
  done
  sleep 2 &
  wait $! 2>/dev/null
done
