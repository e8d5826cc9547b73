import { LedgerError, type ErrorCode } from "../../ledger/core/index.js";
import { requestAgent } from "../../plugin/agentClient.js";

/** Pages of audit rows run to a few megabytes: far above the plugin's limit, still bounded. */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/**
 * Asks the agent on its unix socket for JSON: the CLI's side of the one unix-socket HTTP client
 * the plugin also uses (`plugin/agentClient.ts`). An error answer becomes the agent's LedgerError;
 * no answer at all is AGENT_UNREACHABLE, with the way out in its message.
 *
 * @example const { pools } = await askAgent<{ pools: PoolSummary[] }>("/run/ipledger/agent.sock", "/v1/pools");
 */
export async function askAgent<T>(
  socketPath: string,
  path: string,
  options: { method?: "GET" | "POST"; body?: unknown; timeoutMs?: number } = {},
): Promise<T> {
  let answer;
  try {
    answer = await requestAgent({
      socketPath,
      path,
      method: options.method ?? "GET",
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      timeoutMs: options.timeoutMs ?? 10_000,
      maxResponseBytes: MAX_ANSWER_BYTES,
    });
  } catch (error) {
    throw new LedgerError(
      "AGENT_UNREACHABLE",
      `cannot reach the agent at ${socketPath} (${(error as Error).message}); start it with "ipledger agent" or pass --data-dir to read the data directory`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw new LedgerError(
      "INTERNAL",
      `the agent at ${socketPath} answered ${answer.status} with non-JSON: ${answer.body.slice(0, 200)}`,
    );
  }
  if (answer.status >= 400) {
    const problem = (body as { error?: { code?: string; message?: string } }).error;
    throw new LedgerError((problem?.code as ErrorCode | undefined) ?? "INTERNAL", problem?.message ?? answer.body);
  }
  return body as T;
}
