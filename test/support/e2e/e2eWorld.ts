import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgent, type AgentProcess } from "./agentProcess.js";
import { execCni, installIpledgerPlugin, type CniCall, type CniOutcome } from "./cniExec.js";
import type { PipeKind } from "./repoPaths.js";

/** The shared setting of one e2e file: a temp dir, the real agent, and CNI_PATH with `ipledger`. */
export interface E2eWorld {
  readonly dir: string;
  readonly agent: AgentProcess;
  readonly cniPath: string;
  /** Runs `binary` (e.g. /usr/lib/cni/bridge, or the `ipledger` wrapper) pointed at this agent. */
  cni(binary: string, call: CniCall): Promise<CniOutcome>;
  /** The `ipledger` executable in CNI_PATH, to call the IPAM plugin directly. */
  readonly ipledger: string;
  stop(): Promise<void>;
}

/**
 * Creates the temp dir, installs the `ipledger` plugin (the given pipe) into its CNI_PATH dir, and starts the agent
 * with its data and socket inside. `stop()` stops the agent and removes the dir.
 *
 * @example
 *   const world = await startWorld("bridge", "native");
 *   try { await world.cni(BRIDGE, { command: "ADD", ... }); } finally { await world.stop(); }
 */
export async function startWorld(label: string, pipe: PipeKind): Promise<E2eWorld> {
  const dir = mkdtempSync(join(tmpdir(), `ipledger-e2e-${label}-${pipe}-`));
  try {
    const cniPath = installIpledgerPlugin(dir, pipe);
    const socketPath = join(dir, "agent.sock");
    const agent = await startAgent({ dataDir: join(dir, "data"), socketPath, node: "e2e-node" });
    return {
      dir,
      agent,
      cniPath,
      ipledger: join(dir, "ipledger"),
      cni: (binary, call) => execCni(binary, cniPath, { ...call, env: { IPLEDGER_SOCKET: socketPath, ...call.env } }),
      async stop() {
        try {
          await agent.stop();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
