import { z } from "zod";
import { LedgerError, parseAddress, parseCidr } from "../../ledger/core/index.js";

const ipString = z
  .string()
  .max(64)
  .refine((value) => parseAddress(value) !== undefined, { message: "is not an IP address" });
const cidrString = z
  .string()
  .max(64)
  .refine((value) => parseCidr(value) !== undefined, { message: "is not a CIDR (address/prefix)" });
/** A range, bound or exclude entry: an address or CIDR is at most a few dozen characters. */
const shortString = z.string().max(128);
const excludeList = z.array(shortString).max(1024);

const rangeEntry = z.looseObject({
  range: shortString.min(1, { message: "must not be empty" }),
  range_start: shortString.optional(),
  range_end: shortString.optional(),
  exclude: excludeList.optional(),
  /** ipledger's own: the gateway of this range (a v6 entry beside a v4 top-level `gateway`). */
  gateway: ipString.optional(),
});

/** CNI's route type (spec 1.1: dst, gw, mtu, advmss, priority, table, scope); nothing else. */
const route = z.strictObject({
  dst: cidrString,
  gw: ipString.optional(),
  mtu: z.number().int().min(0).max(65_535).optional(),
  advmss: z.number().int().min(0).max(65_535).optional(),
  priority: z.number().int().min(0).max(4_294_967_295).optional(),
  table: z.number().int().min(0).max(4_294_967_295).optional(),
  scope: z.number().int().min(0).max(255).optional(),
});

/** CNI's DNS type, exactly: the result passes it through, so nothing else may ride along. */
const dns = z.strictObject({
  nameservers: z.array(ipString).max(16).optional(),
  domain: z.string().max(253).optional(),
  search: z.array(z.string().max(253)).max(32).optional(),
  options: z.array(z.string().max(128)).max(32).optional(),
});

/**
 * The `ipam` object: every Whereabouts key plus ipledger's own (`socket`, `sticky`,
 * `reuse_cooldown_seconds`, `agent_timeout_seconds`, per-range `gateway`). Unknown top-level keys
 * pass, as in Whereabouts; the keys that reach the result (`routes`, `dns`, `addresses`) have
 * their exact CNI shape, and every list is bounded.
 */
export const ipamSchema = z.looseObject({
  type: z.string().max(64),
  range: shortString.optional(),
  range_start: shortString.optional(),
  range_end: shortString.optional(),
  exclude: excludeList.optional(),
  ipRanges: z.array(rangeEntry).max(32).optional(),
  gateway: ipString.optional(),
  routes: z.array(route).max(256).optional(),
  dns: dns.optional(),
  addresses: z
    .array(z.strictObject({ address: cidrString, gateway: ipString.optional() }))
    .max(64)
    .optional(),
  network_name: z.string().max(200).optional(),
  enable_overlapping_ranges: z.boolean().optional(),
  configuration_path: z.string().max(4096).optional(),
  socket: z.string().max(4096).optional(),
  sticky: z.boolean().optional(),
  reuse_cooldown_seconds: z.number().int().min(0).max(31_536_000).optional(),
  agent_timeout_seconds: z.number().positive().max(600).optional(),
});
export type IpamConfig = z.infer<typeof ipamSchema>;

/** Parses `ipam`, turning the first zod issue into an INVALID_CONFIG that names the key. */
export function parseIpam(raw: unknown): IpamConfig {
  // zod 4 leaves `input` out of issues unless asked; the message below quotes it.
  const result = ipamSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = ["ipam", ...(issue?.path ?? [])]
    .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
    .join("")
    .slice(1);
  const key = path.replace(/\.\[/g, "[");
  throw new LedgerError(
    "INVALID_CONFIG",
    `${key} ${problemOf(issue)}${receivedOf(issue)}; see the configuration keys in the README`,
    { key },
  );
}

type Issue = z.core.$ZodIssue | undefined;

function problemOf(issue: Issue): string {
  if (issue?.code === "invalid_type") return `must be ${issue.expected}`;
  if (issue?.code === "unrecognized_keys")
    return `has unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k.slice(0, 64))).join(", ")}: it takes only the keys of its CNI type`;
  if (issue?.code === "too_big")
    return `must have at most ${String(issue.maximum)} ${issue.origin === "array" ? "entries" : issue.origin === "string" ? "characters" : ""}`.trimEnd();
  return issue?.message ?? "is invalid";
}

// Only short scalars are quoted back: a whole object or list would echo what the user sent.
function receivedOf(issue: Issue): string {
  const input = issue && "input" in issue ? issue.input : undefined;
  if (typeof input === "string") return input.length <= 128 ? ` (got ${JSON.stringify(input)})` : "";
  if (typeof input === "number" || typeof input === "boolean") return ` (got ${JSON.stringify(input)})`;
  return "";
}
