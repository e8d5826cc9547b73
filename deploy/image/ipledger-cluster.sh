#!/bin/sh
# ipledger-cluster COMMAND [OPTIONS...]: runs `ipledger COMMAND OPTIONS...` on the cluster's log.
#
# The --kafka* options come from the environment (ConfigMap ipledger-kafka) and the secrets from
# files (Secret ipledger-kafka-credentials, mounted at $IPLEDGER_KAFKA_CREDENTIALS_DIR), so no
# manifest carries them and every component builds them the same way. For `agent`, the TCP
# listener (/metrics, queries with a bearer token) is added when the token file exists.
# Configuration mistakes stop it with exit code 2 and a message naming the key to fix.
set -eu

IPLEDGER_BIN=${IPLEDGER_BIN:-ipledger}
CREDENTIALS=${IPLEDGER_KAFKA_CREDENTIALS_DIR:-/etc/ipledger/kafka}
TOKEN_FILE=${IPLEDGER_TOKEN_FILE:-/etc/ipledger/tokens/tokens}

fail() {
  echo "ipledger-cluster: $*" >&2
  exit 2
}

[ "$#" -ge 1 ] || fail "usage: ipledger-cluster COMMAND [OPTIONS...], e.g. ipledger-cluster verify --data-dir /var/lib/ipledger"
command=$1
shift

brokers=${IPLEDGER_KAFKA_BROKERS:-}
[ -n "$brokers" ] || fail "IPLEDGER_KAFKA_BROKERS is empty: set the brokers (host:port[,host:port...]) in ConfigMap ipledger-kafka; in a cluster every agent must share one Kafka log"
set -- "$command" "$@" --kafka "$brokers" --topic "${IPLEDGER_KAFKA_TOPIC:-ipledger-events}"
[ -z "${IPLEDGER_KAFKA_PARTITIONS:-}" ] || set -- "$@" --kafka-partitions "$IPLEDGER_KAFKA_PARTITIONS"

# TLS: a ca.crt in the Secret pins the brokers' CA; without one, the system CAs.
case "${IPLEDGER_KAFKA_TLS:-false}" in
  true)
    if [ -s "$CREDENTIALS/ca.crt" ]; then set -- "$@" --kafka-ca "$CREDENTIALS/ca.crt"; else set -- "$@" --kafka-ssl; fi
    ;;
  false)
    [ ! -s "$CREDENTIALS/ca.crt" ] || fail "the Secret holds ca.crt but IPLEDGER_KAFKA_TLS is \"false\": set it to \"true\", or remove ca.crt"
    ;;
  *) fail "IPLEDGER_KAFKA_TLS must be \"true\" or \"false\", not \"${IPLEDGER_KAFKA_TLS}\"" ;;
esac

# SASL: the mechanism and user from the ConfigMap, the password from the Secret's file.
mechanism=${IPLEDGER_KAFKA_SASL_MECHANISM:-}
username=${IPLEDGER_KAFKA_USERNAME:-}
if [ -n "$mechanism" ]; then
  [ -n "$username" ] || fail "IPLEDGER_KAFKA_SASL_MECHANISM is $mechanism but IPLEDGER_KAFKA_USERNAME is empty"
  [ -s "$CREDENTIALS/password" ] || fail "SASL needs the password: create Secret ipledger-kafka-credentials with a \"password\" key ($CREDENTIALS/password is missing or empty)"
  set -- "$@" --kafka-sasl-mechanism "$mechanism" --kafka-username "$username" --kafka-password-file "$CREDENTIALS/password"
elif [ -n "$username" ]; then
  fail "IPLEDGER_KAFKA_USERNAME is set but IPLEDGER_KAFKA_SASL_MECHANISM is empty: set plain, scram-sha-256 or scram-sha-512"
fi

if [ "$command" = agent ] && [ -n "${IPLEDGER_LISTEN:-}" ] && [ -s "$TOKEN_FILE" ]; then
  set -- "$@" --listen "$IPLEDGER_LISTEN" --token-file "$TOKEN_FILE"
fi

exec "$IPLEDGER_BIN" "$@"
