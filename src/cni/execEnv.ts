import { ExecError } from "./execErrors.js";
import { VERBS, type Verb } from "./execVersions.js";

/** The CNI_* and IPLEDGER_* environment of the pipe's process, as the pipe forwarded it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The attachment a request is about: `(CNI_CONTAINERID, CNI_IFNAME)` plus the netns and CNI_ARGS. */
export interface Attachment {
  readonly containerId: string;
  readonly ifName: string;
  readonly netns: string;
  readonly args: string;
}

/** Verbs that act on one attachment and so need CNI_CONTAINERID and CNI_IFNAME. */
const ATTACHMENT_VERBS: ReadonlySet<Verb> = new Set<Verb>(["ADD", "DEL", "CHECK"]);

function isVerb(value: string): value is Verb {
  return (VERBS as readonly string[]).includes(value);
}

/** Reads CNI_COMMAND; a missing or unknown verb is CNI code 4 naming the variable. */
export function parseVerb(env: Env): Verb {
  const command = env["CNI_COMMAND"];
  if (command === undefined || command === "") {
    throw new ExecError(
      "UNKNOWN_VERB",
      "required environment variable CNI_COMMAND missing",
      `expected one of ${VERBS.join(", ")}`,
    );
  }
  if (!isVerb(command)) {
    throw new ExecError(
      "UNKNOWN_VERB",
      `unknown CNI_COMMAND ${JSON.stringify(command)}`,
      `expected one of ${VERBS.join(", ")}`,
    );
  }
  return command;
}

/**
 * Reads the attachment variables. ADD, DEL and CHECK need CNI_CONTAINERID and CNI_IFNAME (code 4
 * naming every missing one); GC and STATUS get empty strings. CNI_NETNS is optional here: IPAM
 * never enters the namespace, and DEL may legitimately come without it.
 */
export function readAttachment(verb: Verb, env: Env): Attachment {
  const containerId = env["CNI_CONTAINERID"] ?? "";
  const ifName = env["CNI_IFNAME"] ?? "";
  if (ATTACHMENT_VERBS.has(verb)) {
    const missing = [...(containerId === "" ? ["CNI_CONTAINERID"] : []), ...(ifName === "" ? ["CNI_IFNAME"] : [])];
    if (missing.length > 0) {
      throw new ExecError(
        "MISSING_ENV",
        `required environment variables missing for ${verb}: ${missing.join(", ")}`,
        "the container runtime sets CNI_CONTAINERID and CNI_IFNAME for ADD, DEL and CHECK",
      );
    }
  }
  return { containerId, ifName, netns: env["CNI_NETNS"] ?? "", args: env["CNI_ARGS"] ?? "" };
}
