import { useEffect, useState } from "preact/hooks";
import { getJson, postJson } from "./api.js";
import { actorText, Loading, Page, Problem, useLoad, type Actor } from "./common.js";
import { Time } from "./timefmt.js";

interface VerifyRun {
  readonly state: "idle" | "running" | "done" | "failed";
  readonly read?: number;
  readonly total?: number;
  readonly report?: { ok: boolean; events: number; partitions: number; problem?: string };
  readonly error?: string;
}

interface Integrity {
  readonly basis: Record<string, number>;
  readonly events: number;
  readonly checkpoints: number;
  readonly lastCheckpoint: {
    at: string;
    actor: Actor;
    keyId: string | null;
    partition: number | null;
    offset: number | null;
  } | null;
  readonly verify: VerifyRun | null;
  readonly canVerify: boolean;
}

/** The chain's status, the last signed checkpoint and its signer, and a verify run with progress. */
export function IntegrityPage() {
  const { value, error, loading } = useLoad(() => getJson<Integrity>("/api/integrity"), "integrity");
  const [run, setRun] = useState<VerifyRun | null>(null);
  const [failure, setFailure] = useState<Error | undefined>();
  useEffect(() => {
    if (value?.verify && !run) setRun(value.verify);
  }, [value]);
  useEffect(() => {
    if (run?.state !== "running") return;
    const timer = window.setTimeout(() => getJson<VerifyRun>("/api/verify").then(setRun, setFailure), 300);
    return () => window.clearTimeout(timer);
  }, [run]);
  const status = run?.report
    ? run.report.ok
      ? "intact"
      : "BROKEN"
    : run?.state === "failed"
      ? "could not be checked"
      : "not checked by this console yet";
  return (
    <Page title="Integrity">
      <Loading loading={loading} what="the ledger's integrity" />
      <Problem error={error ?? failure} />
      {value ? (
        <>
          <dl class="facts">
            <dt>Events in the log</dt>
            <dd>{value.events}</dd>
            <dt>Log position</dt>
            <dd>
              {Object.entries(value.basis)
                .map(([partition, next]) => `${partition}:${next}`)
                .join(" ") || "empty"}
            </dd>
            <dt>Hash chain</dt>
            <dd id="chain-status">{status}</dd>
            <dt>Signed checkpoints</dt>
            <dd>{value.checkpoints}</dd>
            <dt>Last signed checkpoint</dt>
            <dd>
              {value.lastCheckpoint ? (
                <>
                  <Time iso={value.lastCheckpoint.at} /> by {actorText(value.lastCheckpoint.actor)}, key{" "}
                  <span class="mono">{value.lastCheckpoint.keyId ?? "?"}</span>, partition{" "}
                  {value.lastCheckpoint.partition ?? "?"} up to offset {value.lastCheckpoint.offset ?? "?"}
                </>
              ) : (
                "none: start the agent with --signing-key to sign checkpoints"
              )}
            </dd>
          </dl>
          <button
            type="button"
            disabled={!value.canVerify || run?.state === "running"}
            onClick={() => postJson<VerifyRun>("/api/verify").then(setRun, setFailure)}
          >
            Verify now
          </button>
          {!value.canVerify ? (
            <p>Verify reads the whole log: run ipledger verify, or ipledger console with --data-dir or --kafka.</p>
          ) : null}
          {run && run.state !== "idle" ? (
            <div aria-live="polite">
              <label>
                Verifying <progress id="verify-progress" max={Math.max(1, run.total ?? 1)} value={run.read ?? 0} />{" "}
                {run.read ?? 0} of {run.total ?? "?"} events
              </label>
              {run.report ? (
                <p id="verify-result" class={run.report.ok ? "ok" : "problem"}>
                  {run.report.ok
                    ? `ok: ${run.report.events} events in ${run.report.partitions} partitions; chain intact, no address ever had two owners`
                    : `FAILED: ${run.report.problem}`}
                </p>
              ) : null}
              {run.error ? <p class="problem">{run.error}</p> : null}
            </div>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
