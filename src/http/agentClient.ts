import { request } from "node:http";
import { LedgerError } from "../../ledger/core/index.js";

/**
 * A small JSON client for the agent's unix socket, for CLI commands that ask a running agent
 * instead of reading the data directory.
 */
export async function askAgent<T>(
  socketPath: string,
  path: string,
  options: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<T> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise<T>((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path,
        method: options.method ?? "GET",
        headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {},
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            return reject(
              new LedgerError(
                "INTERNAL",
                `the agent at ${socketPath} answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`,
              ),
            );
          }
          if ((res.statusCode ?? 500) >= 400) {
            const problem = (body as { error?: { code?: string; message?: string } }).error;
            return reject(new LedgerError((problem?.code as never) ?? "INTERNAL", problem?.message ?? text));
          }
          resolve(body as T);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (error) =>
      reject(
        new LedgerError(
          "AGENT_UNREACHABLE",
          `cannot reach the agent at ${socketPath} (${error.message}); start it with "ipledger agent" or pass --data-dir to read the data directory`,
        ),
      ),
    );
    if (payload) req.write(payload);
    req.end();
  });
}
