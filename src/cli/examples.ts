/**
 * One example per command, printed at the end of its `--help` page. A test checks that every
 * registered command has one, so a new command cannot ship without showing how it is used.
 */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  agent: ['ipledger agent --data-dir /var/lib/ipledger --socket /run/ipledger/agent.sock --node "$NODENAME"'],
  who: [
    "ipledger who 10.20.0.5 --at '2h ago'",
    "ipledger who 10.20.0.0/28 --socket /run/ipledger/agent.sock --output json",
  ],
  history: ["ipledger history --pod shop/web-0", "ipledger history --ip 10.20.0.5 --limit 20"],
  "pool-state": ["ipledger pool-state 10.20.0.0-24 --at 2026-05-01T12:00:00Z"],
  changes: ["ipledger changes --since '1h ago' --type AddressAllocated,AddressReleased"],
  attribute: ["ipledger attribute --input firewall.csv --ip-column src --time-column ts --header --out attributed.csv"],
  export: ["ipledger export tenancies --format csv --out tenancies.csv"],
  pools: ["ipledger pools", "ipledger pools --output json"],
  "project-kubernetes": ["ipledger project-kubernetes --kafka 127.0.0.1:9092 --namespace kube-system"],
  replay: ["ipledger replay --data-dir /var/lib/ipledger"],
  verify: ["ipledger verify --data-dir /var/lib/ipledger"],
  reconcile: ["ipledger reconcile --once --kubeconfig ~/.kube/config --output json"],
  "import-whereabouts": ["ipledger import-whereabouts --kubeconfig ~/.kube/config --dry-run"],
  release: ["ipledger release 10.20.0.5 --reason 'pod stuck in Terminating, node gone'"],
  reserve: [
    "ipledger reserve 10.20.0.1 --reason 'router'",
    "ipledger reserve 10.20.0.250 --range 10.20.0.0/24 --reason 'firewall appliance'   # before any pod used the pool",
    "ipledger reserve 10.20.0.250 --nad macvlan-net.yaml --reason 'firewall appliance'",
  ],
  unreserve: ["ipledger unreserve 10.20.0.1 --reason 'router moved'"],
  "reset-pool": ["ipledger reset-pool 10.20.0.0-24 --reason 'cluster rebuilt' --dry-run"],
  "drain-node": ["ipledger drain-node worker-7 --reason 'node lost for good'"],
  generate: ["ipledger generate --data-dir /tmp/sizing --events 1000000 --pools 64 --seed 1"],
  console: [
    "ipledger console --data-dir /var/lib/ipledger",
    "ipledger console --socket /run/ipledger/agent.sock --listen 0.0.0.0:9741 --token-file /etc/ipledger/tokens",
  ],
  allowlist: [
    "ipledger allowlist --namespace shop --label app=web --output cidrs",
    "ipledger allowlist --pool 10.20.0.0-24 --watch",
  ],
};

/** The text `--help` prints after the options. */
export function exampleHelp(command: string): string {
  const lines = EXAMPLES[command] ?? [];
  return `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((line) => `  $ ${line}`).join("\n")}`;
}
