import { spawn } from "node:child_process";
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CNI_PLUGIN_DIR, PLUGIN_BIN, PLUGIN_NATIVE, type PipeKind } from "./repoPaths.js";

export type CniCommand = "ADD" | "DEL" | "CHECK" | "GC" | "STATUS" | "VERSION";

/** One CNI invocation, as a runtime would make it. */
export interface CniCall {
  readonly command: CniCommand;
  readonly config: Readonly<Record<string, unknown>>;
  readonly containerId?: string;
  readonly ifName?: string;
  /** CNI_NETNS; left unset when undefined. */
  readonly netns?: string;
  readonly args?: string;
  /** Extra environment (e.g. IPLEDGER_SOCKET). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface CniOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (throws with the whole outcome when it is not). */
  json(): Record<string, unknown>;
  /** Exit code, stdout and stderr, for assertion messages. */
  describe(): string;
}

/**
 * Makes `dir` a CNI_PATH directory holding an executable named `ipledger`: for the native pipe a
 * link to dist/ipledger-cni (`npm run build:cni`), for the node pipe a shell wrapper that runs
 * dist/plugin/bin.js with this test run's node. Returns the CNI_PATH to use: that directory
 * first, then Debian's plugins.
 */
export function installIpledgerPlugin(dir: string, pipe: PipeKind): string {
  const target = join(dir, "ipledger");
  if (pipe === "native") {
    symlinkSync(PLUGIN_NATIVE, target);
  } else {
    writeFileSync(target, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(PLUGIN_BIN)} "$@"\n`);
    chmodSync(target, 0o755);
  }
  return `${dir}:${CNI_PLUGIN_DIR}`;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Executes a CNI plugin binary with CNI_* variables and the config on stdin, as a runtime does.
 * A call that takes longer than `timeoutMs` is killed (and reported as such).
 */
export function execCni(binary: string, cniPath: string, call: CniCall, timeoutMs = 60_000): Promise<CniOutcome> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...call.env,
    CNI_COMMAND: call.command,
    CNI_PATH: cniPath,
  };
  for (const [name, value] of [
    ["CNI_CONTAINERID", call.containerId],
    ["CNI_IFNAME", call.ifName],
    ["CNI_NETNS", call.netns],
    ["CNI_ARGS", call.args],
  ] as const) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { env, stdio: ["pipe", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const exit = `exit ${code}${signal ? ` (${signal})` : ""}`;
      const describe = (): string =>
        `${binary} ${call.command} ${call.containerId ?? ""}/${call.ifName ?? ""}: ${exit}\nstdout: ${stdout}\nstderr: ${stderr}`;
      resolve({
        code,
        stdout,
        stderr,
        describe,
        json() {
          try {
            return JSON.parse(stdout) as Record<string, unknown>;
          } catch {
            throw new Error(`stdout is not JSON:\n${describe()}`);
          }
        },
      });
    });
    child.stdin.end(JSON.stringify(call.config));
  });
}

/** CNI_ARGS as Multus sends them for a pod. */
export function podArgs(namespace: string, name: string, sandbox: string): string {
  return `IgnoreUnknown=true;K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=${name};K8S_POD_INFRA_CONTAINER_ID=${sandbox};K8S_POD_UID=uid-${name}`;
}
