#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for trying the operator and for the
# end-to-end tests: etcd, kube-apiserver (TLS, service-account tokens, Node+RBAC authorization),
# kube-controller-manager, kube-scheduler, containerd, kubelet, kube-proxy (iptables) and CoreDNS,
# all in a network namespace of their own. No Docker engine and no registry are needed: images are
# imported into the cluster's containerd (see scripts/images.sh).
#
# Usage: scripts/local-cluster.sh COMMAND
#   up                   start the cluster (and build what it needs first); returns when the node is Ready
#   down                 stop everything and remove every trace (processes, mounts, namespaces,
#                        cgroups, host route, state directories); the kernel settings the kubelet
#                        changes are restored
#   status               exit 0 when the cluster is up and its node Ready, 1 otherwise
#   kubeconfig           print the path of the admin kubeconfig
#   load-images FILE...  import image archives (docker-archive or OCI) into the cluster's containerd
#   ctr ARGS...          run containerd's ctr against the cluster's containerd (namespace k8s.io)
#   env                  print shell exports: KUBECONFIG, and PATH with the cluster's kubectl first
#
# From the host, the API server, every Service ClusterIP and every pod IP are reachable directly
# (a veth into the namespace and a host route); nothing in the namespace reaches anything else.
#
# Needs root, network namespaces, iptables, cgroups (v1 or hybrid) and overlayfs. Missing Debian
# packages are installed; the Kubernetes binaries come from scripts/k8s-test-binaries.sh.
#
# Environment:
#   ADAPT_CLUSTER_DIR  state: certificates, configs, logs, containerd and kubelet data
#                      (default /var/lib/adapt-cluster; removed by `down`)
#   ADAPT_CLUSTER_RUN  sockets, PID files, mounts (default /run/adapt-cluster)
set -euo pipefail

# ---- Addresses: one place. ---------------------------------------------------------------
readonly NETNS=adapt-cluster
readonly NODE_NAME=adapt-node
readonly HOST_VETH=adapt-cl0
readonly HOST_IP=10.217.0.1
readonly NODE_IP=10.217.0.2
readonly LINK_PREFIX=30
# Pods and Services, both behind one host route.
readonly POD_CIDR=10.217.64.0/24
readonly SERVICE_CIDR=10.217.96.0/24
readonly HOST_ROUTE=10.217.64.0/18
readonly KUBERNETES_SERVICE_IP=10.217.96.1
# The namespace's default route leads into a bridge without ports: traffic for anywhere else
# ends there instead of leaving the machine.
readonly BLACKHOLE_BRIDGE=adapt-nowhere
readonly BLACKHOLE_IP=10.217.1.1
readonly CLUSTER_DOMAIN=cluster.local
readonly PAUSE_IMAGE=localhost/adapt-pause:3.10
# Kernel settings the kubelet changes at start; `down` puts back what `up` found.
readonly KUBELET_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
readonly DEBIAN_PACKAGES=(containerd runc containernetworking-plugins iptables conntrack
  iproute2 openssl util-linux buildah catatonit debootstrap)
# ------------------------------------------------------------------------------------------

here=$(cd "$(dirname "$0")" && pwd)
state=${ADAPT_CLUSTER_DIR:-/var/lib/adapt-cluster}
run=${ADAPT_CLUSTER_RUN:-/run/adapt-cluster}
pki=$state/pki
logs=$state/logs
pids=$run/pids
containerd_sock=$run/containerd.sock
admin_kubeconfig=$state/admin.kubeconfig

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

bin_dir() { "$here/k8s-test-binaries.sh" --print-dir; }

in_netns() { nsenter --net="/run/netns/$NETNS" "$@"; }

kubectl_admin() { "$(bin_dir)/kubectl" --kubeconfig "$admin_kubeconfig" "$@"; }

cluster_ctr() { ctr --address "$containerd_sock" --namespace k8s.io "$@"; }

# Waits up to $1 seconds for a command to succeed, checking every 2 s.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 2
  done
  log "$what ($((SECONDS - started))s)"
}

# ---- Preconditions --------------------------------------------------------------------------

require_host() {
  [[ "$(id -u)" -eq 0 ]] || die "the local cluster needs root (network namespaces, mounts, cgroups, iptables); run it with sudo"
  [[ "$(uname -s)" == Linux ]] || die "the local cluster needs Linux"
  ip netns list >/dev/null 2>&1 || die "network namespaces are not available (ip netns list failed)"
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    die "overlayfs is not available (no 'overlay' in /proc/filesystems)"
  [[ -d /sys/fs/cgroup ]] || die "no cgroup file system at /sys/fs/cgroup"
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  "$here/k8s-test-binaries.sh"
}

# ---- Certificates and kubeconfigs -----------------------------------------------------------

# Issues a client or server certificate signed by the cluster CA: name, subject, extensions.
issue() {
  local name=$1 subject=$2 ext=$3
  [[ -s "$pki/$name.crt" ]] && return
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -subj "$subject" \
    -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile <(printf '%s\n' "$ext") -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr"
}

write_kubeconfig() {
  local file=$1 cert=$2
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: adapt-local
    cluster:
      server: https://$NODE_IP:6443
      certificate-authority: $pki/ca.crt
users:
  - name: $cert
    user:
      client-certificate: $pki/$cert.crt
      client-key: $pki/$cert.key
contexts:
  - name: adapt-local
    context: {cluster: adapt-local, user: $cert}
current-context: adapt-local
EOF
}

make_pki() {
  mkdir -p "$pki"
  if [[ ! -s "$pki/ca.crt" ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -sha256 -subj "/CN=adapt-local-ca" \
      -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  fi
  local client='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
  issue apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
  issue admin "/O=system:masters/CN=adapt-admin" "$client"
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  issue controller-manager "/CN=system:kube-controller-manager" "$client"
  issue scheduler "/CN=system:kube-scheduler" "$client"
  issue kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
  issue kube-proxy "/CN=system:kube-proxy" "$client"
  issue coredns "/CN=adapt:coredns" "$client"
  if [[ ! -s "$pki/sa.key" ]]; then
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  fi
  local c
  for c in admin controller-manager scheduler kubelet kube-proxy coredns; do
    write_kubeconfig "$state/$c.kubeconfig" "$c"
  done
  chmod 600 "$pki"/*.key "$state"/*.kubeconfig
}

# ---- Network --------------------------------------------------------------------------------

make_network() {
  ip netns add "$NETNS"
  in_netns ip link set lo up
  ip link add "$HOST_VETH" type veth peer name eth0 netns "$NETNS"
  ip addr add "$HOST_IP/$LINK_PREFIX" dev "$HOST_VETH"
  ip link set "$HOST_VETH" up
  in_netns ip addr add "$NODE_IP/$LINK_PREFIX" dev eth0
  in_netns ip link set eth0 up
  in_netns ip link add "$BLACKHOLE_BRIDGE" type bridge
  in_netns ip addr add "$BLACKHOLE_IP/30" dev "$BLACKHOLE_BRIDGE"
  in_netns ip link set "$BLACKHOLE_BRIDGE" up
  in_netns ip route add default dev "$BLACKHOLE_BRIDGE"
  in_netns sysctl -qw net.ipv4.ip_forward=1
  # Pod-to-Service traffic between pods on the same bridge must pass kube-proxy's rules.
  if [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
    in_netns sysctl -qw net.bridge.bridge-nf-call-iptables=1 || true
  fi
  ip route add "$HOST_ROUTE" via "$NODE_IP" dev "$HOST_VETH"
}

# ---- Configuration files --------------------------------------------------------------------

write_configs() {
  mkdir -p "$state/cni/net.d" "$state/kubelet" "$state/containerd" "$logs"
  cat >"$state/containerd/config.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$run/containerd"
[grpc]
  address = "$containerd_sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Without CAP_SYS_RESOURCE here, setting a sandbox's oom_score_adj below ours fails.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
  cat >"$state/cni/net.d/10-adapt.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "adapt",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$state/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  # Pods get the cluster's DNS only: there is no upstream to forward to.
  : >"$state/kubelet/resolv.conf"
  cat >"$state/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$containerd_sock
clusterDNS: [$NODE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $state/kubelet/resolv.conf
podLogsDir: $state/pod-logs
failSwapOn: false
address: $NODE_IP
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
# Images cannot be pulled back from anywhere: never collect them, never evict for a shared disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
rotateCertificates: false
EOF
  cat >"$state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $state/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
# Masquerade Service traffic so that replies from a pod on the same bridge pass the rules again.
iptables: {masqueradeAll: true}
# Leave the machine-wide conntrack limits alone.
conntrack: {maxPerCore: 0, min: 0}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
EOF
  cat >"$state/Corefile" <<EOF
.:53 {
  bind $NODE_IP
  errors
  health 127.0.0.1:8082
  ready 127.0.0.1:8181
  kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
    kubeconfig $state/coredns.kubeconfig adapt-local
    pods insecure
  }
  cache 5
}
EOF
}

# ---- Processes ------------------------------------------------------------------------------

# Starts a daemon in the cluster's network namespace, in a session of its own, logging to a file.
start() {
  local name=$1
  shift
  log "starting $name"
  setsid nsenter --net="/run/netns/$NETNS" "$@" >"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pids/$name.pid"
}

running() {
  local pid
  pid=$(cat "$pids/$1.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null
}

# Fails with the end of a daemon's log when it has exited.
check_alive() {
  local name
  for name in "$@"; do
    running "$name" || {
      tail -n 30 "$logs/$name.log" >&2 || true
      die "$name exited; its log: $logs/$name.log"
    }
  done
}

apiserver_ready() {
  curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://$NODE_IP:6443/readyz" >/dev/null
}

node_ready() {
  [[ "$(kubectl_admin get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

save_sysctls() {
  [[ -s "$state/sysctls.saved" ]] && return
  local key
  for key in "${KUBELET_SYSCTLS[@]}"; do
    printf '%s=%s\n' "$key" "$(sysctl -n "$key")"
  done >"$state/sysctls.saved"
}

up() {
  require_host
  if [[ -d "$run" || -e "/run/netns/$NETNS" ]]; then
    status >/dev/null 2>&1 && {
      log "already up; kubeconfig: $admin_kubeconfig"
      return
    }
    # What a stopped session, a killed script or a reboot left behind.
    log "a cluster started earlier is no longer healthy: removing it first"
    down
  fi
  started=$SECONDS
  local bins
  bins=$(bin_dir)
  mkdir -p "$state" "$run" "$pids"
  # containerd 1.6 makes the pods' network namespaces in /run/netns beside everyone else's:
  # remember which were there, so that `down` removes only the cluster's.
  pod_netns >"$state/netns.before"
  save_sysctls
  make_pki
  write_configs
  make_network

  start etcd "$bins/etcd" --name=adapt-local --data-dir="$state/etcd" \
    --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster=adapt-local=http://127.0.0.1:2380 --listen-metrics-urls=http://127.0.0.1:2381 \
    --log-level=warn
  start kube-apiserver "$bins/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 \
    --advertise-address="$NODE_IP" --secure-port=6443 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$pki/ca.crt" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --profiling=false
  wait_for 180 "kube-apiserver is ready" apiserver_ready || {
    check_alive etcd kube-apiserver
    die "kube-apiserver did not become ready within 180 s; its log: $logs/kube-apiserver.log"
  }
  start kube-controller-manager "$bins/kube-controller-manager" \
    --kubeconfig="$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --use-service-account-credentials=true --service-cluster-ip-range="$SERVICE_CIDR" \
    --leader-elect=false --bind-address=127.0.0.1 --profiling=false
  start kube-scheduler "$bins/kube-scheduler" \
    --kubeconfig="$state/scheduler.kubeconfig" \
    --authentication-kubeconfig="$state/scheduler.kubeconfig" \
    --authorization-kubeconfig="$state/scheduler.kubeconfig" \
    --leader-elect=false --bind-address=127.0.0.1 --profiling=false
  # CoreDNS reads Services, EndpointSlices and Namespaces, and nothing else.
  kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "adapt:coredns"}
rules:
  - apiGroups: [""]
    resources: [services, namespaces, pods]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "adapt:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "adapt:coredns"}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: "adapt:coredns"}
EOF
  start coredns "$bins/coredns" -conf "$state/Corefile"

  start containerd containerd --config "$state/containerd/config.toml"
  wait_for 60 "containerd is up" cluster_ctr version || {
    check_alive containerd
    die "containerd did not answer within 60 s; its log: $logs/containerd.log"
  }
  load_images "$("$here/images.sh" pause | awk '/\.tar$/ {print $NF}' | tail -n 1)"
  start kubelet "$bins/kubelet" --config="$state/kubelet/config.yaml" \
    --kubeconfig="$state/kubelet.kubeconfig" --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" --root-dir="$state/kubelet/root" --cert-dir="$state/kubelet/pki"
  start kube-proxy "$bins/kube-proxy" --config="$state/kube-proxy.yaml"
  wait_for 180 "node $NODE_NAME is Ready" node_ready || {
    check_alive kube-controller-manager kube-scheduler coredns containerd kubelet kube-proxy
    die "node $NODE_NAME did not become Ready within 180 s; see $logs/kubelet.log"
  }
  check_alive etcd kube-apiserver kube-controller-manager kube-scheduler coredns containerd kubelet kube-proxy
  log "up in $((SECONDS - started))s; kubeconfig: $admin_kubeconfig (or: eval \"\$($0 env)\")"
}

load_images() {
  (($#)) || die "load-images needs at least one image archive"
  local file
  for file in "$@"; do
    [[ -s "$file" ]] || die "no image archive at '$file'"
    log "importing $(basename "$file")"
    cluster_ctr images import "$file" >/dev/null
  done
}

status() {
  [[ -e "/run/netns/$NETNS" ]] || {
    echo "down"
    return 1
  }
  local name bad=()
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler coredns containerd kubelet kube-proxy; do
    running "$name" || bad+=("$name")
  done
  if ((${#bad[@]})); then
    echo "unhealthy: not running: ${bad[*]}"
    return 1
  fi
  node_ready || {
    echo "unhealthy: node $NODE_NAME is not Ready"
    return 1
  }
  echo "up: kubeconfig $admin_kubeconfig"
}

# ---- Tear-down ------------------------------------------------------------------------------

stop_pid() {
  local name=$1 pid
  pid=$(cat "$pids/$name.pid" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pids/$name.pid"
}

# Kills every process in the kubelet's pod cgroups and the containerd shims of this cluster.
kill_containers() {
  local procs pid
  procs=$(find /sys/fs/cgroup/*/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u || true)
  for pid in $procs; do kill -9 "$pid" 2>/dev/null || true; done
  pkill -9 -f "containerd-shim-runc-v2 .*-address $containerd_sock" 2>/dev/null || true
}

unmount_under() {
  local dir
  for dir in "$@"; do
    # Deepest first; mount points with spaces are escaped as \040 in mountinfo.
    awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
      sort -r | while read -r m; do umount -l "$(printf '%b' "$m")" 2>/dev/null || true; done
  done
}

pod_netns() { ip netns list | awk '$1 ~ /^cni-/ {print $1}' | sort; }

remove_pod_netns() {
  local ns
  [[ -f "$state/netns.before" ]] || return 0
  for ns in $(comm -13 "$state/netns.before" <(pod_netns)); do
    ip netns delete "$ns" 2>/dev/null || true
  done
}

remove_cgroups() {
  local root
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
    [[ -d "$root" ]] && find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

down() {
  [[ "$(id -u)" -eq 0 ]] || die "tear-down needs root"
  log "stopping"
  stop_pid kubelet
  kill_containers
  local name
  for name in kube-proxy coredns kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do
    stop_pid "$name"
  done
  kill_containers
  unmount_under "$run" "$state"
  remove_pod_netns
  remove_cgroups
  ip route del "$HOST_ROUTE" 2>/dev/null || true
  if [[ -e "/run/netns/$NETNS" ]]; then ip netns delete "$NETNS"; fi
  ip link del "$HOST_VETH" 2>/dev/null || true
  if [[ -s "$state/sysctls.saved" ]]; then
    while IFS= read -r setting; do sysctl -qw "$setting" || true; done <"$state/sysctls.saved"
  fi
  rm -rf "$run" "$state"
  local left
  left=$(find /sys/fs/cgroup/*/kubepods -maxdepth 0 2>/dev/null || true)
  [[ -z "$left" ]] || log "WARNING: cgroups left behind: $left"
  log "down"
}

started=$SECONDS
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  kubeconfig) echo "$admin_kubeconfig" ;;
  load-images)
    shift
    load_images "$@"
    ;;
  ctr)
    shift
    cluster_ctr "$@"
    ;;
  env)
    echo "export KUBECONFIG=$admin_kubeconfig"
    echo "export PATH=$(bin_dir):\$PATH"
    ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '${1:-}' (see --help)" ;;
esac
