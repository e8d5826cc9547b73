import { useEffect, useState } from "preact/hooks";
import { getJson, queryString } from "./api.js";
import { toUrl } from "./basePath.js";
import {
  EventsTable,
  HolderTable,
  Loading,
  Page,
  Pager,
  Problem,
  useLoad,
  type EventView,
  type Holder,
} from "./common.js";
import { navigate, useLocation, withParams } from "./router.js";
import { Time } from "./timefmt.js";
import { TimelineCanvas, type Timeline } from "./TimelineCanvas.js";

interface IpAnswer {
  readonly ip: string;
  readonly timeline: Timeline;
  readonly rows: Holder[];
  readonly page: number;
  readonly pageSize: number;
  readonly voided: EventView[];
  readonly reservations: EventView[];
}

/** "Who at T": asked of the server, so it is the same answer as `ipledger who --at`. */
function WhoAt(props: { ip: string; atMs: number }) {
  const { value, error } = useLoad(
    () => getJson<{ holders: Holder[] }>("/api/who", { ip: props.ip, at: props.atMs }),
    `${props.ip}@${props.atMs}`,
  );
  const at = new Date(props.atMs).toISOString();
  return (
    <div class="who-at" aria-live="polite" id="who-at">
      <h2>
        Who held {props.ip} at <Time ms={props.atMs} />
      </h2>
      <Problem error={error} />
      {value ? (
        value.holders.length === 0 ? (
          <p class="who-answer" data-holder="">
            nobody: {props.ip} was not allocated then
          </p>
        ) : (
          <ul class="who-answer">
            {value.holders.map((holder) => (
              <li key={holder.domain} data-holder={holder.containerId}>
                <strong>{`${holder.podNamespace}/${holder.podName}`}</strong> (UID{" "}
                <span class="mono">{holder.podUid}</span>, container <span class="mono">{holder.containerId}</span>,
                node {holder.node}, pool {holder.pool}
                {holder.domain ? `, network ${holder.domain}` : ""}) since <Time iso={holder.from} />
              </li>
            ))}
          </ul>
        )
      ) : null}
      <p class="cli">
        The same answer from the CLI:{" "}
        <code>
          ipledger who {props.ip} --at {at}
        </code>{" "}
        ·{" "}
        <a
          href={`${toUrl("/api/cli")}${queryString({ command: "who", ip: props.ip, at })}`}
          target="_blank"
          rel="noopener"
        >
          this answer as CLI output
        </a>
      </p>
    </div>
  );
}

/** One address over time: its holders as bars, a cursor answering "who at T", and the table of tenancies. */
export function IpPage(props: { ip: string }) {
  const location = useLocation();
  const from = location.params.get("from") ?? "";
  const to = location.params.get("to") ?? "";
  const page = Number(location.params.get("page") ?? "0") || 0;
  const atParam = location.params.get("at");
  const { value, error, loading } = useLoad(
    () => getJson<IpAnswer>("/api/ip", { ip: props.ip, from, to, page }),
    `${props.ip}|${from}|${to}|${page}`,
  );
  const [cursorMs, setCursorMs] = useState<number | null>(atParam ? Date.parse(atParam) || Number(atParam) : null);
  useEffect(() => setCursorMs(atParam ? Date.parse(atParam) || Number(atParam) : null), [atParam]);
  const moveCursor = (ms: number) => {
    setCursorMs(ms);
    navigate(withParams({ at: new Date(ms).toISOString() }, location), { replace: true });
  };
  const total = value?.timeline.total ?? 0;
  return (
    <Page title={`Address ${props.ip}`}>
      <Loading loading={loading} what={`the history of ${props.ip}`} />
      <Problem error={error} />
      {value ? (
        <>
          <p class="summary">
            {total} tenanc{total === 1 ? "y" : "ies"} between <Time ms={value.timeline.fromMs} /> and{" "}
            <Time ms={value.timeline.toMs} />
            {value.timeline.bars ? "" : " (drawn as a density: zoom in to see each holder)"}.
          </p>
          <TimelineCanvas
            timeline={value.timeline}
            cursorMs={cursorMs}
            label={`Timeline of ${props.ip}: ${total} holders; the table below lists them`}
            onCursor={moveCursor}
            onZoom={(fromMs, toMs) =>
              navigate(
                withParams(
                  { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), page: null },
                  location,
                ),
              )
            }
            onReset={() => navigate(withParams({ from: null, to: null, page: null }, location))}
          />
          {cursorMs !== null && Number.isFinite(cursorMs) ? (
            <WhoAt ip={props.ip} atMs={cursorMs} />
          ) : (
            <p class="hint">Click the timeline to ask who held {props.ip} at that instant.</p>
          )}
          <HolderTable
            holders={value.rows}
            caption={`Holders of ${props.ip}, oldest first`}
            firstIndex={value.page * value.pageSize}
          />
          <Pager
            page={value.page}
            more={(value.page + 1) * value.pageSize < total}
            label="Holders"
            onPage={(next) => navigate(withParams({ page: next || null }, location))}
          />
          {value.timeline.bars ? null : (
            <p class="hint">Zoom in to a window of at most 2,000 tenancies to list voided claims and reservations.</p>
          )}
          <EventsTable
            hideEmpty
            events={value.voided}
            caption="Voided claims and duplicates (the fold refused them; nobody held the address through them)"
          />
          <EventsTable hideEmpty events={value.reservations} caption="Reservations of this address" />
          <p class="cli">
            CLI: <code>ipledger history --ip {props.ip}</code> ·{" "}
            <a
              href={`${toUrl("/api/cli")}${queryString({ command: "history", ip: props.ip, since: from, until: to })}`}
              target="_blank"
              rel="noopener"
            >
              this history as CLI output
            </a>
          </p>
        </>
      ) : null}
    </Page>
  );
}
