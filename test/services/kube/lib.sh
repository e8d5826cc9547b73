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
