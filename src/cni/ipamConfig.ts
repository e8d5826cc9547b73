import { z } from "zod";
import { LedgerError, parseAddress, parseCidr } from "../../ledger/core/index.js";

const ipString = z.string().refine((value) => parseAddress(value) !== undefined, { message: "is not an IP address" });
const cidrString = z.string().refine((value) => parseCidr(value) !== undefined, { message: "is not a CIDR (address/prefix)" });

const rangeEntry = z.looseObject({
  range: z.string().min(1, { message: "must not be empty" }),
  range_start: z.string().optional(),
  range_end: z.string().optional(),
  exclude: z.array(z.string()).optional(),
});

/**
 * The `ipam` object: every Whereabouts key plus ipledger's own (`socket`, `sticky`,
 * `reuse_cooldown_seconds`, `agent_timeout_seconds`). Unknown keys pass, as in Whereabouts.
 */
export const ipamSchema = z.looseObject({
  type: z.string(),
  range: z.string().optional(),
  range_start: z.string().optional(),
  range_end: z.string().optional(),
  exclude: z.array(z.string()).optional(),
  ipRanges: z.array(rangeEntry).optional(),
  gateway: ipString.optional(),
  routes: z.array(z.looseObject({ dst: cidrString, gw: ipString.optional() })).optional(),
  dns: z
    .looseObject({
      nameservers: z.array(z.string()).optional(),
      domain: z.string().optional(),
      search: z.array(z.string()).optional(),
      options: z.array(z.string()).optional(),
    })
    .optional(),
  addresses: z.array(z.looseObject({ address: cidrString, gateway: ipString.optional() })).optional(),
  network_name: z.string().optional(),
  enable_overlapping_ranges: z.boolean().optional(),
  configuration_path: z.string().optional(),
  socket: z.string().optional(),
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
  const path = ["ipam", ...(issue?.path ?? [])].map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("").slice(1);
  const key = path.replace(/\.\[/g, "[");
  const received = issue && "input" in issue && issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : "";
  const problem = issue?.code === "invalid_type" ? `must be ${(issue as { expected?: string }).expected ?? "another type"}` : issue?.message ?? "is invalid";
  throw new LedgerError("INVALID_CONFIG", `${key} ${problem}${received}; see the configuration keys in the README`, { key });
}
