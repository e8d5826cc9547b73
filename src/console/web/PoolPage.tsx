import { useEffect, useMemo, useState } from "preact/hooks";
import { getJson } from "./api.js";
import { addressAt } from "./address.js";
import { HolderTable, Loading, Page, Pager, Problem, useLoad, type Holder } from "./common.js";
import { decodeCells, PoolGridCanvas } from "./PoolGridCanvas.js";
import { Link, ipHref, navigate, useLocation, withParams } from "./router.js";
import { Time } from "./timefmt.js";
import { UtilisationChart } from "./UtilisationChart.js";

interface PoolAnswer {
  readonly pool: string;
  readonly domain: string;
  readonly at: string;
  readonly definition: {
    range: string;
    start: string;
    end: string;
    exclude: string[];
    gateway: string | null;
    networkName: string;
    reuseCooldownSeconds: number;
    definedAt: string;
  };
  readonly reservations: { target: string; note: string; from: string; to: string | null }[];
  readonly counts: {
    window: number | string;
    excluded: number | string;
    reserved: number | string;
    held: number;
    free: number | string;
  };
  readonly heldCount: number;
  readonly holders: Holder[];
  readonly page: number;
  readonly pageSize: number;
  readonly grid: { first: string; size: number; cells: string | null; cooling: number };
}

interface Utilisation {
  readonly fromMs: number;
  readonly toMs: number;
  readonly at: number[];
  readonly held: number[];
}

function CellAnswer(props: { ip: string; atMs: number }) {
  const { value, error } = useLoad(
    () => getJson<{ holders: Holder[] }>("/api/pool/cell", { ip: props.ip, at: props.atMs }),
    `${props.ip}@${props.atMs}`,
  );
  return (
    <div class="cell-answer" aria-live="polite">
      <Problem error={error} />
      {value ? (
        <p>
          <Link href={ipHref(props.ip, { at: new Date(props.atMs).toISOString() })}>{props.ip}</Link>:{" "}
          {value.holders.length === 0
            ? "nobody held it then"
            : value.holders.map((h) => `${h.podNamespace}/${h.podName} (node ${h.node}, since ${h.from})`).join("; ")}
        </p>
      ) : null}
    </div>
  );
}

/** A pool as of an instant: its window as a grid of states, a time slider, and utilisation over time. */
export function PoolPage(props: { pool: string }) {
  const location = useLocation();
  const domain = location.params.get("domain") ?? "";
  const at = location.params.get("at") ?? "";
  const page = Number(location.params.get("page") ?? "0") || 0;
  const state = useLoad(
    () => getJson<PoolAnswer>("/api/pool", { pool: props.pool, domain, at, page }),
    `${props.pool}|${domain}|${at}|${page}`,
  );
  const usage = useLoad(
    () => getJson<Utilisation>("/api/pool/utilisation", { pool: props.pool, domain }),
    `${props.pool}|${domain}`,
  );
  const value = state.value;
  const atMs = value ? Date.parse(value.at) : Date.now();
  const [slider, setSlider] = useState(atMs);
  useEffect(() => setSlider(atMs), [atMs]);
  const [picked, setPicked] = useState<number | null>(null);
  const cells = useMemo(() => (value?.grid.cells ? decodeCells(value.grid.cells) : null), [value?.grid.cells]);
  const goTo = (ms: number) => navigate(withParams({ at: new Date(ms).toISOString(), page: null }, location));
  const range = usage.value;
  return (
    <Page title={`Pool ${props.pool}`}>
      <Problem error={state.error} />
      {range ? (
        <div class="slider">
          <label>
            Instant: <Time ms={slider} />
            <input
              type="range"
              min={range.fromMs}
              max={Math.max(range.toMs, atMs)}
              step={60_000}
              value={slider}
              aria-valuetext={new Date(slider).toISOString()}
              onInput={(event) => setSlider(Number((event.target as HTMLInputElement).value))}
              onChange={(event) => goTo(Number((event.target as HTMLInputElement).value))}
            />
          </label>
          <button type="button" onClick={() => goTo(atMs - 3_600_000)}>
            One hour earlier
          </button>
          <button type="button" onClick={() => goTo(atMs + 3_600_000)}>
            One hour later
          </button>
        </div>
      ) : null}
      <Loading loading={state.loading} what="the pool" />
      {value ? (
        <>
          <p class="summary">
            {value.pool}
            {value.domain ? ` (network ${value.domain})` : ""} at <Time iso={value.at} />: range{" "}
            {value.definition.range}
            {value.definition.exclude.length ? `, excluding ${value.definition.exclude.join(", ")}` : ""}, defined{" "}
            <Time iso={value.definition.definedAt} />.
          </p>
          <dl class="counts" id="pool-counts">
            {(["window", "held", "free", "reserved", "excluded"] as const).map((name) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd data-count={name}>{String(value.counts[name])}</dd>
              </div>
            ))}
            <div>
              <dt>cooling down</dt>
              <dd data-count="cooling">{value.grid.cooling}</dd>
            </div>
          </dl>
          {cells ? (
            <PoolGridCanvas first={value.grid.first} cells={cells} onPick={setPicked} />
          ) : (
            <p>
              The window has {value.grid.size} addresses: too many to draw one cell each; the counts above and the
              holders below are exact.
            </p>
          )}
          {picked !== null && cells ? <CellAnswer ip={addressAt(value.grid.first, picked)} atMs={atMs} /> : null}
          {range ? (
            <UtilisationChart
              at={range.at}
              held={range.held}
              windowSize={Number(value.counts.window)}
              atMs={atMs}
              onPick={goTo}
            />
          ) : null}
          <HolderTable
            holders={value.holders}
            caption={`Addresses held through ${value.pool} at that instant`}
            showIp
            firstIndex={value.page * value.pageSize}
          />
          <Pager
            page={value.page}
            more={(value.page + 1) * value.pageSize < value.heldCount}
            label="Holders"
            onPage={(next) => navigate(withParams({ page: next || null }, location))}
          />
          {value.reservations.length ? (
            <ul aria-label="Reservations">
              {value.reservations.map((r) => (
                <li key={r.target + r.from}>
                  {r.target} reserved since <Time iso={r.from} />
                  {r.note ? ` (“${r.note}”)` : ""}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
