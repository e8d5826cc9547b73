import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Cleanup } from "./cleanup.js";

const run = promisify(execFile);

/** Linux limits interface names to 15 characters; netns names follow the same rule here. */
export const MAX_NAME_LENGTH = 15;

let counter = 0;

/**
 * A name unique to this process and call, e.g. `ipl3f2k-n7`: `ipl`, the pid in base 36, a short
 * kind, a counter. Unique across parallel test processes on one machine, and at most 15 chars.
 */
export function uniqueName(kind: string): string {
  counter += 1;
  const name = `ipl${process.pid.toString(36)}-${kind}${counter}`;
  if (name.length > MAX_NAME_LENGTH)
    throw new Error(`name ${name} is longer than ${MAX_NAME_LENGTH} characters; use a shorter kind`);
  return name;
}

/** Runs `ip ARGS…` and returns stdout; a failure carries ip's stderr. */
export async function ip(...args: string[]): Promise<string> {
  try {
    return (await run("ip", args, { encoding: "utf8" })).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`ip ${args.join(" ")} failed: ${stderr.trim() || String(error)}`);
  }
}

/** Runs many `ip` commands in one process (`ip -batch -`); `-force` keeps going past errors. */
export async function ipBatch(lines: readonly string[], options: { force?: boolean } = {}): Promise<void> {
  const child = execFile("ip", [...(options.force ? ["-force"] : []), "-batch", "-"], { encoding: "utf8" });
  let stderr = "";
  child.stderr?.on("data", (chunk: string) => (stderr += chunk));
  child.stdin?.end(`${lines.join("\n")}\n`);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0 && !options.force) throw new Error(`ip -batch failed (exit ${code}): ${stderr.trim()}`);
}

/** The path a CNI runtime passes as CNI_NETNS for a namespace made by `ip netns add`. */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/** Creates a network namespace and registers its deletion (which also removes links inside). */
export async function createNetns(name: string, cleanup: Cleanup): Promise<string> {
  await ip("netns", "add", name);
  cleanup.defer(`ip netns del ${name}`, () => ip("netns", "del", name));
  return name;
}

/** Creates many namespaces with one `ip` process, and registers their deletion. */
export async function createNetnsBatch(names: readonly string[], cleanup: Cleanup): Promise<void> {
  cleanup.defer(`ip netns del ×${names.length}`, () =>
    ipBatch(
      names.map((name) => `netns del ${name}`),
      { force: true },
    ),
  );
  await ipBatch(names.map((name) => `netns add ${name}`));
}

/**
 * Creates an UP link in the host namespace to serve as a macvlan master that carries no traffic:
 * a dummy link (as the upstream macvlan tests use), or, on kernels built without the dummy driver
 * ("Unknown device type"), one end of a veth pair whose other end is left unused. Registers its
 * deletion (deleting one veth end deletes both).
 */
export async function createDummy(name: string, cleanup: Cleanup): Promise<string> {
  try {
    await ip("link", "add", name, "type", "dummy");
  } catch (error) {
    if (!String(error).includes("Unknown device type")) throw error;
    const peer = uniqueName("v");
    await ip("link", "add", name, "type", "veth", "peer", "name", peer);
    await ip("link", "set", peer, "up");
  }
  cleanup.defer(`ip link del ${name}`, () => ip("link", "del", name));
  await ip("link", "set", name, "up");
  return name;
}

/** Registers the deletion of a host link someone else creates (the bridge plugin's bridge). */
export function deleteLinkLater(name: string, cleanup: Cleanup): void {
  cleanup.defer(`ip link del ${name}`, async () => {
    if (await linkExists(name)) await ip("link", "del", name);
  });
}

export async function linkExists(name: string, netns?: string): Promise<boolean> {
  const args = [...(netns ? ["-n", netns] : []), "-j", "link", "show"];
  const links = JSON.parse(await ip(...args)) as { ifname: string }[];
  return links.some((link) => link.ifname === name);
}

interface AddrInfo {
  readonly family: "inet" | "inet6";
  readonly local: string;
  readonly prefixlen: number;
  readonly scope: string;
  readonly tentative?: boolean;
}

/**
 * The global-scope addresses on `dev` inside `netns`, as `address/prefix`, from
 * `ip -n NS -4|-6 -j addr show dev DEV`. IPv6 addresses may still be tentative (DAD): configured
 * all the same, which is what the tests check.
 */
export async function addressesIn(netns: string, dev: string, family: 4 | 6): Promise<string[]> {
  const output = await ip("-n", netns, `-${family}`, "-j", "addr", "show", "dev", dev);
  const links = JSON.parse(output) as { addr_info?: AddrInfo[] }[];
  return links
    .flatMap((link) => link.addr_info ?? [])
    .filter((info) => info.scope === "global")
    .map((info) => `${canonicalIp(info.local)}/${info.prefixlen}`);
}

/** One spelling per address (IPv6 compressed, lower case), so ip, CNI and the agent compare. */
export function canonicalIp(address: string): string {
  const [ipPart = "", prefix] = address.split("/");
  const canonical = ipPart.includes(":") ? new URL(`http://[${ipPart}]/`).hostname.slice(1, -1) : ipPart;
  return prefix === undefined ? canonical : `${canonical}/${prefix}`;
}
