# shellcheck shell=bash
# The node's processes and files, for test/services/node/{start,stop}. Sourced, not executed.
# Needs lib.sh (and so ../kube/lib.sh) sourced first, and STATE set to $NODE_STATE for daemonize.

NODE_NAME="${IPLEDGER_NODE_NAME:-ipledger-node}"
# Reported as the node's address and never routed (TEST-NET-1); kubelet refuses loopback.
NODE_IP="192.0.2.2"
# The production paths: the agent DaemonSet's installer writes the plugin and its flat file here.
CNI_BIN_DIR=/opt/cni/bin
CNI_CONF_DIR=/etc/cni/net.d
CONTAINERD_SOCK="$NODE_STATE/containerd/containerd.sock"
PAUSE_IMAGE="registry.k8s.io/pause:3.10"
# The cluster default network: a host bridge with host-local addresses, handed to pods by Multus.
DEFAULT_BRIDGE="iplnode0"
DEFAULT_SUBNET="10.254.0.0/24"
NODE_PROCS=(kubelet kube-scheduler kube-controller-manager containerd)

containerd_up() { ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; }

ctr_k8s() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

# Everything up, and start got to its end last time (the env file is its last step).
node_running() {
  local p
  [[ -s "$NODE_STATE/env" ]] || return 1
  for p in "${NODE_PROCS[@]}"; do pid_alive "$NODE_STATE/$p.pid" "$p" || return 1; done
  node_ready
}

node_ready() {
  "$NODE_BIN/kubectl" get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True
}

stop_node_processes() {
  local p
  for p in "${NODE_PROCS[@]}"; do stop_pid "$NODE_STATE/$p.pid" "$p" 30; done
}

# write_atomic FILE: stdin to FILE through a rename; containerd reloads CNI configs on every write.
write_atomic() {
  cat >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

# The node's CNI directories: links to Debian's plugins and Multus (the agent's installer adds
# ipledger), the Multus thin plugin as the only config, and its kubeconfig.
write_cni_setup() {
  local d p top
  # The agent DaemonSet's hostPaths count as the node's too: stop removes what start found absent.
  for d in "$CNI_BIN_DIR" "$CNI_CONF_DIR" /run/ipledger /var/lib/ipledger; do
    if [[ ! -d "$d" ]]; then
      # Record the top-most directory that did not exist (/opt/cni for /opt/cni/bin).
      top="$d"
      while [[ ! -d "$(dirname "$top")" ]]; do top="$(dirname "$top")"; done
      mkdir -p "$d"
      echo "$top" >>"$NODE_STATE/created-dirs"
    fi
  done
  for p in /usr/lib/cni/*; do ln -sfn "$p" "$CNI_BIN_DIR/${p##*/}"; done
  ln -sfn "$NODE_BIN/multus" "$CNI_BIN_DIR/multus"
  mkdir -p "$CNI_CONF_DIR/multus.d" "$NODE_STATE/cni/host-local" "$NODE_STATE/cni/multus"
  (umask 077 && cp -f "$KUBECONFIG" "$CNI_CONF_DIR/multus.d/multus.kubeconfig")
  write_atomic "$CNI_CONF_DIR/00-multus.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "multus-cni-network",
  "plugins": [{
    "type": "multus",
    "cniVersion": "0.4.0",
    "kubeconfig": "$CNI_CONF_DIR/multus.d/multus.kubeconfig",
    "cniDir": "$NODE_STATE/cni/multus",
    "binDir": "$CNI_BIN_DIR",
    "multusNamespace": "kube-system",
    "logLevel": "error",
    "logFile": "$NODE_STATE/multus.log",
    "delegates": [{
      "cniVersion": "0.4.0",
      "name": "node-default",
      "plugins": [{
        "type": "bridge",
        "bridge": "$DEFAULT_BRIDGE",
        "isGateway": true,
        "ipMasq": false,
        "ipam": { "type": "host-local", "dataDir": "$NODE_STATE/cni/host-local", "ranges": [[{ "subnet": "$DEFAULT_SUBNET" }]] }
      }]
    }]
  }]
}
JSON
}

# The sandbox image, built here: a static C pause in an OCI layout tarball.
write_pause_image() {
  local dir="$NODE_STATE/pause"
  if [[ ! -s "$NODE_CACHE/pause.tar" ]]; then
    rm -rf "$dir" && mkdir -p "$dir/rootfs"
    gcc -static -Os -o "$dir/rootfs/pause" "$HERE/pause.c"
    strip "$dir/rootfs/pause" 2>/dev/null || true
    node "$HERE/../../../scripts/image/ociImage.mjs" "$dir/rootfs" "$NODE_CACHE/pause.tar.tmp" \
      '{"Entrypoint":["/pause"]}' "$PAUSE_IMAGE" "localhost/pause:3.10"
    mv -f "$NODE_CACHE/pause.tar.tmp" "$NODE_CACHE/pause.tar"
    rm -rf "$dir"
  fi
}

start_containerd() {
  local dir="$NODE_STATE/containerd"
  mkdir -p "$dir/root" "$dir/state"
  write_atomic "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This sandbox lacks CAP_SYS_RESOURCE: without it runc fails every sandbox with
  # "can't get final child's PID from pipe: EOF" (a refused oom_score_adj).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$CNI_CONF_DIR"
    max_conf_num = 1
TOML
  log "starting containerd ($CONTAINERD_SOCK)"
  daemonize containerd containerd --config "$dir/config.toml"
  wait_for containerd 60 containerd_up
  ctr_k8s images import "$NODE_CACHE/pause.tar" >&2
}

# start_control_plane SCHEDULER_PORT CONTROLLER_MANAGER_PORT
start_control_plane() {
  local kstate="$NODE_STATE/kube"
  log "starting kube-controller-manager and kube-scheduler"
  daemonize kube-controller-manager "$NODE_BIN/kube-controller-manager" \
    --kubeconfig="$KUBECONFIG" \
    --bind-address=127.0.0.1 --secure-port="$2" \
    --leader-elect=false \
    --service-account-private-key-file="$kstate/sa.key" \
    --root-ca-file="$kstate/certs/apiserver.crt" \
    --use-service-account-credentials=false \
    --v=1
  daemonize kube-scheduler "$NODE_BIN/kube-scheduler" \
    --kubeconfig="$KUBECONFIG" \
    --bind-address=127.0.0.1 --secure-port="$1" \
    --leader-elect=false \
    --v=1
}

# start_kubelet PORT HEALTHZ_PORT
start_kubelet() {
  local dir="$NODE_STATE/kubelet"
  mkdir -p "$dir/root"
  write_atomic "$dir/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The machines use cgroup v1 (hybrid); containerd 1.6 cannot report its cgroup driver.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
oomScoreAdj: 0
# Images are imported, never pulled: a collected image could not come back.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { "memory.available": "1%", "nodefs.available": "1%", "nodefs.inodesFree": "1%", "imagefs.available": "1%" }
# A loopback-only test node: the API is bound to 127.0.0.1 and not authenticated.
authentication: { anonymous: { enabled: true }, webhook: { enabled: false } }
authorization: { mode: AlwaysAllow }
address: 127.0.0.1
port: $1
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $2
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
maxPods: 300
serializeImagePulls: false
registryPullQPS: 0
podLogsDir: $NODE_STATE/pod-logs
YAML
  log "starting kubelet ($NODE_NAME, root $dir/root)"
  daemonize kubelet "$NODE_BIN/kubelet" \
    --config="$dir/config.yaml" \
    --kubeconfig="$KUBECONFIG" \
    --root-dir="$dir/root" \
    --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" \
    --v=1
}

wait_node_ready() {
  log "waiting for node $NODE_NAME to be Ready"
  wait_for kubelet 120 node_ready
}

install_multus_crd() {
  # The NetworkAttachmentDefinition CRD as Multus ships it (a document of its quickstart manifest).
  awk 'BEGIN { RS = "\n---\n" } /kind: CustomResourceDefinition/' "$NODE_BIN/multus-daemonset.yml" |
    "$NODE_BIN/kubectl" apply -f - >&2
  "$NODE_BIN/kubectl" wait --for=condition=Established --timeout=60s \
    crd/network-attachment-definitions.k8s.cni.cncf.io >&2
}
