import { request } from "node:http";

/** POSTs JSON to the agent's unix socket and resolves with the status code (the body is drained). */
export function postToSocket(socketPath: string, path: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(payload) };
    const req = request({ socketPath, path, method: "POST", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** The ADD body of the benchmarks' pod `index` (macvlan, one /16 pool named "bench"). */
export function benchAddBody(index: number) {
  return {
    config: { cniVersion: "1.0.0", name: "bench", type: "macvlan", ipam: { type: "ipledger", range: "10.128.0.0/16" } },
    containerId: `bench-${index}`,
    ifName: "net1",
    netns: "/x",
    args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-${index}`,
  };
}
