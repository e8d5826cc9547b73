import { runCniExec, type ExecAnswer } from "../../../../src/cni/cniExec.js";
import type { TestAgent } from "../../../support/agent/testAgent.js";
import { cniEnv } from "../../plugin/pluginHarness.js";

/** Builders and a runner for `runCniExec` against a real test agent (SQLite log and projection). */

/** A network configuration as bridge would pass it to its IPAM plugin; `overrides` replace keys. */
export function networkConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: "unit-net",
    type: "bridge",
    ipam: { type: "ipledger", range: "10.99.0.0/24", exclude: ["10.99.0.1/32"] },
    ...overrides,
  };
}

/** The environment a runtime sets for ADD, as the pipe tests use it. */
export { cniEnv };

export interface ExecResult extends ExecAnswer {
  /** Records the call appended to the log: a refused call must leave it as it was. */
  readonly appended: number;
}

/** One raw CNI call as a pipe forwards it: `{command, env, stdin (base64)}`, optionally with a read error. */
export async function exec(
  agent: TestAgent,
  options: { env?: Record<string, string | undefined>; stdin?: string | Buffer; stdinError?: string } = {},
): Promise<ExecResult> {
  const env = Object.fromEntries(
    Object.entries(options.env ?? cniEnv()).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const stdin = options.stdin ?? JSON.stringify(networkConfig());
  const before = await agent.logSize();
  const answer = await runCniExec(
    {
      command: env["CNI_COMMAND"] ?? "",
      env,
      stdin: (typeof stdin === "string" ? Buffer.from(stdin) : stdin).toString("base64"),
      ...(options.stdinError !== undefined ? { stdinError: options.stdinError } : {}),
    },
    agent.service,
  );
  return { ...answer, appended: (await agent.logSize()) - before };
}

/** Parses the single JSON document the call printed. */
export function printed(result: ExecAnswer): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
