#!/usr/bin/env bash
# node.sh STATE BIN HOST_PORT LIFELINE_FD: the supervisor of one local cluster, run by localnode.py in a
# session of its own. On the host side of the namespaces it:
#   1. saves the host-wide sysctls the kubelet changes and the cgroup trees that exist,
#   2. runs inner.sh as PID 1 of new pid, mount, net and uts namespaces, with the lifeline (the
#      read end of a pipe only the test process writes to) as its fd 3: when the test process
#      closes it or goes away, however it goes, the cluster stops,
#   3. forwards 127.0.0.1:HOST_PORT on the host to the API server inside (socat, one
#      `nsenter --net` per connection) while the cluster runs,
#   4. once the namespaces are gone, removes the cgroups the kubelet and runc made and puts the
#      sysctls back, and writes STATE/cleanup.done.
# It never touches anything it did not create or change.
set -uo pipefail
STATE=$1 BIN=$2 HOST_PORT=$3 LIFELINE_FD=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "$(date +%T.%3N) node.sh: $*"; }
trap '' INT  # a ^C in the terminal is for pytest, which then closes the lifeline

# 1. what the kubelet changes on the host (these sysctls are not namespaced)
SYSCTLS="vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes"
for k in $SYSCTLS; do echo "$k $(cat "/proc/sys/$k")"; done >"$STATE/sysctl.saved"
# cgroup v1 hierarchies and the v2 one: kubepods (the kubelet's, cgroupfs driver) and k8s.io
: >"$STATE/cgroups.created"
for h in /sys/fs/cgroup/*/; do
  for c in kubepods k8s.io; do [[ -d $h$c ]] || echo "$h$c" >>"$STATE/cgroups.created"; done
done
[[ -d /sys/fs/cgroup/kubepods ]] || echo /sys/fs/cgroup/kubepods >>"$STATE/cgroups.created"

# 2. the cluster
exec 3<&"$LIFELINE_FD"
eval "exec $LIFELINE_FD<&-"
unshare --pid --fork --mount-proc --mount --net --uts --propagation private \
  bash "$here/inner.sh" "$STATE" "$BIN" >"$STATE/logs/inner.log" 2>&1 </dev/null &
unshare_pid=$!
exec 3<&-   # only inner.sh holds the lifeline now
nspid=''
for _ in $(seq 200); do
  nspid=$(cat "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null | tr -d ' ')
  [[ -n $nspid ]] && break
  sleep 0.05
done
echo "$nspid" >"$STATE/nspid"
log "namespaces: unshare $unshare_pid, init $nspid"

# 3. the API server on the host's loopback
socat_pid=''
if [[ -n $nspid && $HOST_PORT != 0 ]]; then
  socat TCP-LISTEN:"$HOST_PORT",bind=127.0.0.1,fork,reuseaddr \
    "EXEC:nsenter --net=/proc/$nspid/ns/net socat STDIO TCP\\:127.0.0.1\\:443" \
    </dev/null >"$STATE/logs/socat.log" 2>&1 &
  socat_pid=$!
  log "API server forwarded to 127.0.0.1:$HOST_PORT (socat $socat_pid)"
fi

wait "$unshare_pid"
log "namespaces gone (unshare exited $?)"
if [[ -n $socat_pid ]]; then
  # socat forks one child per connection: those first (by parent pid), then the listener
  pkill -TERM -P "$socat_pid" 2>/dev/null
  kill "$socat_pid" 2>/dev/null
  wait "$socat_pid" 2>/dev/null
fi

# 4. cgroups: deepest first; a cgroup whose last process just died can take a moment to go
while read -r c; do
  [[ -d $c ]] || continue
  for _ in $(seq 100); do
    find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d $c ]] || break
    sleep 0.1
  done
  [[ -d $c ]] && log "WARNING: could not remove $c"
done <"$STATE/cgroups.created"
while read -r k v; do
  [[ $(cat "/proc/sys/$k") == "$v" ]] || { echo "$v" >"/proc/sys/$k" && log "restored $k=$v"; }
done <"$STATE/sysctl.saved"
log "cleanup done"
: >"$STATE/cleanup.done"
