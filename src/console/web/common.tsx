import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./api.js";
import { Link, ipHref, podHref, poolHref } from "./router.js";
import type { Actor } from "../../../ledger/core/index.js";
import type { Holder } from "../../../projections/sqlite/tenancyRows.js";
import { Time } from "./timefmt.js";

/** The server's own types: the pages read exactly what the API sends. */
export type { Actor } from "../../../ledger/core/index.js";
export type { Holder } from "../../../projections/sqlite/tenancyRows.js";

export interface EventView {
  readonly partition: number;
  readonly offset: number;
  readonly type: string;
  readonly domain: string;
  readonly pool: string;
  readonly at: string;
  readonly actor: Actor;
  readonly status: string;
  readonly statusReason: string | null;
  readonly ip: string | null;
  readonly podNamespace: string | null;
  readonly podName: string | null;
  readonly containerId: string | null;
  readonly node: string | null;
  readonly reason: string | null;
  readonly note: string | null;
}

export const actorText = (actor: Actor | null): string =>
  actor ? [actor.node, actor.component, actor.user].filter(Boolean).join("/") : "";

/** Loads `load()` whenever `key` changes; the answer, the error, and whether it is loading. */
export function useLoad<T>(
  load: () => Promise<T>,
  key: string,
): { value: T | undefined; error: Error | undefined; loading: boolean } {
  const [state, setState] = useState<{ value: T | undefined; error: Error | undefined; loading: boolean; key: string }>(
    { value: undefined, error: undefined, loading: true, key },
  );
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true, key }));
    load().then(
      (value) => live && setState({ value, error: undefined, loading: false, key }),
      (error: Error) => live && setState({ value: undefined, error, loading: false, key }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}

export function Problem(props: { error: Error | undefined }) {
  if (!props.error) return null;
  const code = props.error instanceof ApiError ? `${props.error.code}: ` : "";
  return (
    <p role="alert" class="problem">
      {code}
      {props.error.message}
    </p>
  );
}

export function Loading(props: { loading: boolean; what: string }) {
  return props.loading ? (
    <p role="status" aria-live="polite" class="loading">
      Loading {props.what}…
    </p>
  ) : null;
}

export function Page(props: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · ipledger console`;
  }, [props.title]);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{props.title}</h1>
      {props.children}
    </section>
  );
}

export function EndReason(props: { holder: Holder }) {
  const { holder } = props;
  if (holder.to === null) return <span class="tag tag-live">holds it</span>;
  const by = actorText(holder.closedBy);
  return (
    <span>
      <span class={`tag tag-${holder.endReason ?? "none"}`}>{holder.endReason ?? "ended"}</span>
      {holder.endReason?.startsWith("admin") && by ? <span> by {by}</span> : null}
      {holder.endNote ? <span class="note"> “{holder.endNote}”</span> : null}
    </span>
  );
}

/** Tenancies as a table: the accessible, copyable form of every timeline. */
export function HolderTable(props: {
  holders: readonly Holder[];
  caption: string;
  showIp?: boolean;
  firstIndex?: number;
  highlight?: number;
}) {
  const first = props.firstIndex ?? 0;
  return (
    <table class="holders">
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          {props.showIp ? <th scope="col">Address</th> : null}
          <th scope="col">Pod</th>
          <th scope="col">Pod UID</th>
          <th scope="col">Container</th>
          <th scope="col">Node</th>
          <th scope="col">Pool</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">How it ended</th>
        </tr>
      </thead>
      <tbody>
        {props.holders.map((holder, index) => (
          <tr
            key={`${holder.domain}|${holder.containerId}|${holder.from}`}
            class={first + index === props.highlight ? "highlight" : undefined}
            data-container={holder.containerId}
          >
            <td>{first + index + 1}</td>
            {props.showIp ? (
              <td>
                <Link href={ipHref(holder.ip)}>{holder.ip}</Link>
              </td>
            ) : null}
            <td class="pod">
              <Link
                href={podHref(holder.podNamespace, holder.podName)}
              >{`${holder.podNamespace}/${holder.podName}`}</Link>
            </td>
            <td class="mono">{holder.podUid}</td>
            <td class="mono" title={holder.containerId}>
              {holder.containerId.length > 16 ? `${holder.containerId.slice(0, 12)}…` : holder.containerId}
            </td>
            <td>{holder.node}</td>
            <td>
              <Link href={poolHref(holder.pool, holder.domain)}>{holder.pool}</Link>
              {holder.domain ? <span class="domain"> ({holder.domain})</span> : null}
            </td>
            <td class="from">
              <Time iso={holder.from} />
            </td>
            <td class="to">
              <Time iso={holder.to} empty="(holds it)" />
            </td>
            <td>
              <EndReason holder={holder} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Pager(props: { page: number; more: boolean; onPage: (page: number) => void; label: string }) {
  if (props.page === 0 && !props.more) return null;
  return (
    <nav aria-label={`${props.label} pages`} class="pager">
      <button type="button" disabled={props.page === 0} onClick={() => props.onPage(props.page - 1)}>
        Previous page
      </button>
      <span aria-live="polite"> page {props.page + 1} </span>
      <button type="button" disabled={!props.more} onClick={() => props.onPage(props.page + 1)}>
        Next page
      </button>
    </nav>
  );
}

/** Events as a table (changes, voided claims, reservations); nothing when there are none to show and `hideEmpty`. */
export function EventsTable(props: { events: readonly EventView[]; caption: string; hideEmpty?: boolean }) {
  if (props.hideEmpty && props.events.length === 0) return null;
  return (
    <table class="events">
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {["At", "Type", "Pool", "Address", "Pod", "Node", "Why", "Actor", "Status"].map((name) => (
            <th scope="col" key={name}>
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.events.map((event) => (
          <tr key={`${event.partition}:${event.offset}`}>
            <td>
              <Time iso={event.at} />
            </td>
            <td>{event.type}</td>
            <td>{event.pool}</td>
            <td>{event.ip ? <Link href={ipHref(event.ip, { at: event.at })}>{event.ip}</Link> : ""}</td>
            <td>
              {event.podName ? (
                <Link
                  href={podHref(event.podNamespace ?? "", event.podName)}
                >{`${event.podNamespace}/${event.podName}`}</Link>
              ) : (
                ""
              )}
            </td>
            <td>{event.node ?? ""}</td>
            <td>{[event.reason, event.note].filter(Boolean).join(": ")}</td>
            <td>{actorText(event.actor)}</td>
            <td>
              {event.status === "accepted"
                ? ""
                : `${event.status}${event.statusReason ? `: ${event.statusReason}` : ""}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
