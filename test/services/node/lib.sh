# shellcheck shell=bash
# Shared settings for test/services/node/{build,start,stop}. Sourced, not executed.

KUBE_SERVICE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../kube" && pwd)"
# shellcheck source=../kube/lib.sh
. "$KUBE_SERVICE_DIR/lib.sh"

MULTUS_MODULE="gopkg.in/k8snetworkplumbingwg/multus-cni.v4"
# Pinned: the proxy's version list for Multus answers 403, an explicit version downloads.
MULTUS_VERSION="${IPLEDGER_MULTUS_VERSION:-v4.2.3}"
NODE_CACHE="$CACHE_ROOT/node/${K8S_VERSION}-multus-${MULTUS_VERSION}"
NODE_BIN="$NODE_CACHE/bin"
NODE_STATE="${IPLEDGER_NODE_STATE:-/tmp/ipledger-node}"
NODE_STATE_MARKER=".ipledger-node-state"

log() { printf '[node] %s\n' "$*" >&2; }
