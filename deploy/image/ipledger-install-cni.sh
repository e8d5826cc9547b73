#!/bin/sh
# The agent DaemonSet's init container: installs ipledger on the node it runs on.
#   1. the CNI plugin (the native pipe, a static Go binary of about 2 MB) as $CNI_BIN_DIR/ipledger;
#   2. the flat file $CNI_CONF_DIR/ipledger.d/ipledger.conf from ConfigMap ipledger-cni
#      (removed from the node when the ConfigMap has no such key);
#   3. the agent's socket directory $SOCKET_DIR, root-only.
# Files are written beside their target and renamed over it, so a runtime that executes the
# plugin during an upgrade runs the old binary or the new one, never a half-written file.
set -eu

PLUGIN=${IPLEDGER_PLUGIN:-/usr/local/lib/ipledger/ipledger-cni}
FLAT_FILE=${IPLEDGER_FLAT_FILE:-/etc/ipledger/cni/ipledger.conf}
CNI_BIN_DIR=${CNI_BIN_DIR:-/host/opt/cni/bin}
CNI_CONF_DIR=${CNI_CONF_DIR:-/host/etc/cni/net.d}
SOCKET_DIR=${SOCKET_DIR:-/host/run/ipledger}

fail() {
  echo "ipledger-install-cni: $*" >&2
  exit 1
}

# install_file SOURCE TARGET MODE
install_file() {
  tmp="$(dirname "$2")/.$(basename "$2").tmp.$$"
  if cp "$1" "$tmp" && chmod "$3" "$tmp" && mv -f "$tmp" "$2"; then return 0; fi
  rm -f "$tmp"
  fail "cannot install $2"
}

[ -x "$PLUGIN" ] || fail "$PLUGIN is missing or not executable; is this the ipledger image?"
version=$(echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION "$PLUGIN") || fail "$PLUGIN does not answer CNI VERSION"

mkdir -p "$CNI_BIN_DIR"
install_file "$PLUGIN" "$CNI_BIN_DIR/ipledger" 0755
echo "installed $CNI_BIN_DIR/ipledger ($version)"

mkdir -p "$CNI_CONF_DIR/ipledger.d"
if [ -f "$FLAT_FILE" ]; then
  node -e 'const v = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object")' "$FLAT_FILE" \
    || fail "$FLAT_FILE (ConfigMap ipledger-cni, key ipledger.conf) must be a JSON object of ipam keys"
  install_file "$FLAT_FILE" "$CNI_CONF_DIR/ipledger.d/ipledger.conf" 0644
  echo "installed $CNI_CONF_DIR/ipledger.d/ipledger.conf"
else
  rm -f "$CNI_CONF_DIR/ipledger.d/ipledger.conf"
  echo "no flat file in ConfigMap ipledger-cni; removed $CNI_CONF_DIR/ipledger.d/ipledger.conf if it was there"
fi

mkdir -p "$SOCKET_DIR"
chmod 0700 "$SOCKET_DIR"
echo "socket directory $SOCKET_DIR ready (mode 0700)"
