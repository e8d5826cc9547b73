import { asLedgerError, cniErrorBody } from "../http/httpErrors.js";
import type { CniRequestBody } from "./cniRequest.js";
import type { CniService } from "./cniService.js";
import type { CniErrorBody } from "./execErrors.js";
import type { Attachment } from "./execEnv.js";
import { runtimeConfigOf, type NetworkConfig } from "./execConfig.js";
import type { Verb } from "./execVersions.js";

/** What a CNI call prints: a success (maybe with a result) or a CNI error. */
export type Outcome =
  { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly error: CniErrorBody };

/** The verbs of the CNI service, the seam between a raw CNI call and the ledger. */
export type CniVerbs = Pick<CniService, "add" | "del" | "check" | "gc" | "status">;

/**
 * Runs one verb against the ledger and says what the runtime sees: ADD prints its result, the
 * other verbs print nothing (CHECK passes with `{}`), a failure prints the ledger's error as a CNI
 * error body in the config's version.
 */
export async function answerVerb(
  service: CniVerbs,
  verb: Exclude<Verb, "VERSION">,
  cniVersion: string,
  config: NetworkConfig,
  attachment: Attachment,
): Promise<Outcome> {
  const body: CniRequestBody = {
    cniVersion,
    config,
    containerId: attachment.containerId,
    ifName: attachment.ifName,
    netns: attachment.netns,
    args: attachment.args,
    runtimeConfig: runtimeConfigOf(config),
  };
  try {
    switch (verb) {
      case "ADD":
        return { ok: true, stdout: `${JSON.stringify((await service.add(body)).result)}\n` };
      case "DEL":
        await service.del(body);
        break;
      case "CHECK":
        await service.check(body);
        break;
      case "GC":
        await service.gc(body);
        break;
      case "STATUS":
        await service.status(body);
        break;
    }
    return { ok: true, stdout: "" };
  } catch (error) {
    const ledgerError = asLedgerError(error);
    const printed = cniErrorBody(ledgerError, cniVersion, verb);
    return {
      ok: false,
      error: {
        cniVersion,
        code: Number(printed["code"]),
        msg: String(printed["msg"]),
        details: String(printed["details"]),
      },
    };
  }
}
