# shellcheck shell=bash
# Shared settings for test/services/kube/{start,stop}. Sourced, not executed.

# Pinned versions. k8s: newest k8s.io/kubernetes the Go module proxy served here that builds with
# Go 1.26 (its go.mod says `go 1.26.0`). etcd: newest 3.6.x served (3.7 is out of the 3.5/3.6 range
# kubeadm maps to k8s 1.34-1.35 and is not needed).
K8S_VERSION="${IPLEDGER_K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${IPLEDGER_ETCD_VERSION:-v3.6.16}"

CACHE_ROOT="${IPLEDGER_CACHE:-$HOME/.cache/ipledger}"
KUBE_CACHE="$CACHE_ROOT/kube/${K8S_VERSION}-etcd-${ETCD_VERSION}"
BIN_DIR="$KUBE_CACHE/bin"
STATE="${IPLEDGER_KUBE_STATE:-/tmp/ipledger-kube}"
# A file that `start` creates in the state dir; `stop` deletes only a directory that carries it.
STATE_MARKER=".ipledger-kube-state"

log() { printf '[kube] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# pid_alive PIDFILE BINARY_NAME: true when the pid in PIDFILE runs BINARY_NAME (guards against a
# recycled pid pointing at some unrelated process).
pid_alive() {
  local f="$1" name="$2" pid exe
  [[ -s "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ "${exe##*/}" == "$name" || "${exe##*/}" == "$name (deleted)" ]]
}

# stop_pid PIDFILE BINARY_NAME [TIMEOUT_S]: SIGTERM, wait, then SIGKILL; removes the pid file.
stop_pid() {
  local f="$1" name="$2" timeout="${3:-30}" pid i
  if pid_alive "$f" "$name"; then
    pid="$(<"$f")"
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) ignored SIGTERM for ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
  fi
  rm -f "$f"
}

# go_mod_path MODULE@VERSION: the local path of that module's go.mod (downloads it if needed).
go_mod_path() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}

# k8s_wrapper_module NAME PACKAGE...: in the current (empty) directory, creates a wrapper module
# that can build the given k8s.io/kubernetes/cmd/* packages at $K8S_VERSION. k8s.io/kubernetes
# requires every staging module at v0.0.0 and maps it to ./staging/src/...; as a dependency those
# replaces are ignored, so each one is mapped to its published v0.Y.Z tag.
k8s_wrapper_module() {
  local name="$1" gomod staging_version mods m p
  shift
  local -a edits=()
  go mod init "$name" >&2 2>/dev/null
  gomod="$(go_mod_path "k8s.io/kubernetes@$K8S_VERSION")"
  [[ -f "$gomod" ]] || die "could not download go.mod of k8s.io/kubernetes@$K8S_VERSION"
  staging_version="v0.${K8S_VERSION#v1.}"
  mods="$(grep -oE '^[[:space:]]*k8s\.io/[A-Za-z0-9._-]+ => \./staging/src/' "$gomod" |
    awk '{print $1}' | sort -u)"
  [[ "$(wc -l <<<"$mods")" -ge 20 ]] || die "found too few staging modules in $gomod"
  for m in $mods; do edits+=("-replace=$m=$m@$staging_version"); done
  go mod edit "${edits[@]}"
  log "  $(wc -l <<<"$mods") staging modules replaced with $staging_version"
  for p in "$@"; do go get "$p@$K8S_VERSION" >&2; done
}

# k8s_version_ldflags: -X flags that stamp $K8S_VERSION (without them binaries report
# v0.0.0-master+$Format:%H$).
k8s_version_ldflags() {
  local minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  printf '%s ' \
    "-X k8s.io/component-base/version.gitVersion=$K8S_VERSION" \
    "-X k8s.io/component-base/version.gitMajor=1" \
    "-X k8s.io/component-base/version.gitMinor=$minor" \
    "-X k8s.io/component-base/version.gitTreeState=clean"
}

# free_ports N: N distinct free TCP ports on 127.0.0.1 (held open together while picked).
free_ports() {
  node -e '
    const net = require("net");
    const n = Number(process.argv[1]);
    const servers = [];
    const done = () => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    };
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      s.listen(0, "127.0.0.1", () => { if (servers.every((x) => x.listening)) done(); });
    }' "$1"
}

# daemonize NAME ARGS...: runs ARGS in a new session, detached from this shell; the child writes
# its own pid (the pid that then execs the binary) to $STATE/NAME.pid; output to $STATE/NAME.log.
daemonize() {
  local name="$1" i
  shift
  rm -f "$STATE/$name.pid"
  # 8>&- 9>&-: the daemon must not inherit (and so keep holding) our lock files.
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$STATE/$name.pid" "$@" \
    </dev/null >>"$STATE/$name.log" 2>&1 8>&- 9>&- &
  # Wait until the child has written its pid and exec'd the binary.
  for ((i = 0; i < 200; i++)); do
    pid_alive "$STATE/$name.pid" "$name" && return 0
    sleep 0.05
  done
  log "last lines of $STATE/$name.log:"
  tail -n 30 "$STATE/$name.log" >&2 || true
  die "$name did not start (no live process for $STATE/$name.pid)"
}

# wait_for NAME TIMEOUT_S CHECK_CMD...: polls CHECK_CMD every 0.5 s while NAME's process lives.
wait_for() {
  local name="$1" timeout="$2" i
  shift 2
  for ((i = 0; i < timeout * 2; i++)); do
    if "$@"; then
      return 0
    fi
    if ! pid_alive "$STATE/$name.pid" "$name"; then
      log "$name exited; last lines of $STATE/$name.log:"
      tail -n 30 "$STATE/$name.log" >&2 || true
      die "$name failed to start"
    fi
    sleep 0.5
  done
  log "last lines of $STATE/$name.log:"
  tail -n 30 "$STATE/$name.log" >&2 || true
  die "$name not ready after ${timeout}s"
}
