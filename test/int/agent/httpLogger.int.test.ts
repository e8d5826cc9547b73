// buildApp logs through the logger it is given (the agent passes its own, at warn), and an
// internal error's cause lands there, since the 500 answer tells the caller to look in the log.
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/http/app.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";

/** A pino logger at `level` whose JSON lines land in `lines`. */
function recordingPino(level: string): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

describe("the HTTP app's logger", () => {
  let agent: TestAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  it("given a logger, when requests arrive, then they are logged through it at its level, without the Authorization header", async () => {
    agent = await startTestAgent();
    const { logger, lines } = recordingPino("info");
    const app = buildApp({ ...agent.assembled, auth: { kind: "socket" }, logger: logger.child({ component: "http" }) });
    await app.inject({ method: "GET", url: "/healthz", headers: { authorization: "Bearer s3cret-token" } });
    await app.close();
    expect(lines.some((line) => line.component === "http" && line.level === 30 && line.req !== undefined)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain("s3cret-token");
  });

  it("given a failure that is not a ledger error, then the caller gets 500 INTERNAL and the log gets the cause", async () => {
    agent = await startTestAgent();
    const { logger, lines } = recordingPino("warn");
    const app = buildApp({ ...agent.assembled, auth: { kind: "socket" }, logger });
    app.get("/test-only/boom", async () => {
      throw new TypeError("a bug the caller cannot fix");
    });
    const reply = await app.inject({ method: "GET", url: "/test-only/boom" });
    await app.close();
    expect(reply.statusCode).toBe(500);
    expect(reply.json()).toMatchObject({ error: { code: "INTERNAL" } });
    const logged = lines.find((line) => line.msg === "internal error; answered 500");
    expect(logged).toMatchObject({ level: 50, err: { message: "a bug the caller cannot fix" } });
    // At warn, ordinary requests are not logged one by one.
    expect(lines.every((line) => (line.level as number) >= 40)).toBe(true);
  });
});
