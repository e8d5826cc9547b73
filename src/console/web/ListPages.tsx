import { useState } from "preact/hooks";
import { getJson } from "./api.js";
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

/** A pod's addresses over its life: every sandbox and incarnation, adoptions included. */
export function PodPage() {
  const location = useLocation();
  const params = {
    pod: location.params.get("pod") ?? "",
    podUid: location.params.get("podUid") ?? "",
    container: location.params.get("container") ?? "",
  };
  const what = params.pod || params.podUid || params.container;
  const { value, error, loading } = useLoad(
    () => getJson<{ holders: Holder[]; more: boolean }>("/api/pod", params),
    JSON.stringify(params),
  );
  const uids = new Set(value?.holders.map((holder) => holder.podUid));
  return (
    <Page title={`Pod ${what}`}>
      <Loading loading={loading} what="the pod's addresses" />
      <Problem error={error} />
      {value ? (
        <>
          <p class="summary">
            {value.holders.length} tenanc{value.holders.length === 1 ? "y" : "ies"} across {uids.size} incarnation
            {uids.size === 1 ? "" : "s"} (pod UIDs) and {new Set(value.holders.map((h) => h.containerId)).size}{" "}
            sandbox(es).
          </p>
          <HolderTable holders={value.holders} caption={`Addresses of ${what}, oldest first`} showIp />
        </>
      ) : null}
    </Page>
  );
}

/** Every address of a CIDR held at an instant. */
export function CidrPage() {
  const location = useLocation();
  const cidr = location.params.get("cidr") ?? "";
  const at = location.params.get("at") ?? "";
  const { value, error, loading } = useLoad(
    () => getJson<{ holders: Holder[]; more: boolean; at: string }>("/api/cidr", { cidr, at }),
    `${cidr}@${at}`,
  );
  return (
    <Page title={`Addresses of ${cidr}`}>
      <TimeForm label="As of" name="at" value={at} />
      <Loading loading={loading} what="the holders" />
      <Problem error={error} />
      {value ? (
        <>
          <p class="summary">
            {value.holders.length}
            {value.more ? "+" : ""} addresses held at <Time iso={value.at} />.
          </p>
          <HolderTable holders={value.holders} caption={`Holders in ${cidr}`} showIp />
        </>
      ) : null}
    </Page>
  );
}

/** A time field that writes itself into the URL (ISO with a zone, epoch, "now", "2h ago"). */
export function TimeForm(props: { label: string; name: string; value: string }) {
  const [text, setText] = useState(props.value);
  const location = useLocation();
  return (
    <form
      class="inline"
      onSubmit={(event) => {
        event.preventDefault();
        navigate(withParams({ [props.name]: text.trim() }, location));
      }}
    >
      <label>
        {props.label}{" "}
        <input
          name={props.name}
          value={text}
          placeholder="2026-11-20T03:12:09Z, now, 2h ago"
          onInput={(event) => setText((event.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Show</button>
    </form>
  );
}

const TYPES = [
  "PoolDefined",
  "AddressAllocated",
  "AddressReleased",
  "AllocationAdopted",
  "AddressReserved",
  "ReservationLifted",
  "CheckpointSigned",
];
const FIELDS = ["since", "until", "pool", "node", "actor"] as const;

/** Changes between two instants, filtered by type, pool, node and actor; the filter is the URL. */
export function ChangesPage() {
  const location = useLocation();
  const current = Object.fromEntries(FIELDS.map((field) => [field, location.params.get(field) ?? ""])) as Record<
    (typeof FIELDS)[number],
    string
  >;
  const types = (location.params.get("type") ?? "").split(",").filter(Boolean);
  const voided = location.params.get("voided") === "1";
  const page = Number(location.params.get("page") ?? "0") || 0;
  const [form, setForm] = useState({ ...current, types, voided });
  const key = location.params.toString();
  const { value, error, loading } = useLoad(
    () =>
      getJson<{ events: EventView[]; more: boolean; page: number }>("/api/changes", {
        ...current,
        type: types.join(","),
        voided: voided ? "1" : "",
        page,
      }),
    key,
  );
  return (
    <Page title="Changes">
      <form
        class="filters"
        aria-label="Filter the changes"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(
            withParams(
              {
                ...Object.fromEntries(FIELDS.map((f) => [f, form[f].trim()])),
                type: form.types.join(","),
                voided: form.voided ? "1" : null,
                page: null,
              },
              location,
            ),
          );
        }}
      >
        {FIELDS.map((field) => (
          <label key={field}>
            {field === "since" ? "From (T1)" : field === "until" ? "To (T2)" : field[0]?.toUpperCase() + field.slice(1)}{" "}
            <input
              name={field}
              value={form[field]}
              onInput={(event) => setForm({ ...form, [field]: (event.target as HTMLInputElement).value })}
              placeholder={field === "since" || field === "until" ? "ISO time, now, 2h ago" : ""}
            />
          </label>
        ))}
        <fieldset>
          <legend>Types (none ticked: every change)</legend>
          {TYPES.map((type) => (
            <label key={type} class="check">
              <input
                type="checkbox"
                checked={form.types.includes(type)}
                onChange={(event) =>
                  setForm({
                    ...form,
                    types: (event.target as HTMLInputElement).checked
                      ? [...form.types, type]
                      : form.types.filter((t) => t !== type),
                  })
                }
              />
              {type}
            </label>
          ))}
          <label class="check">
            <input
              type="checkbox"
              checked={form.voided}
              onChange={(event) => setForm({ ...form, voided: (event.target as HTMLInputElement).checked })}
            />
            include voided claims
          </label>
        </fieldset>
        <button type="submit">Apply</button>
      </form>
      <Loading loading={loading} what="the changes" />
      <Problem error={error} />
      {value ? (
        <>
          <EventsTable
            events={value.events}
            caption={`Changes, oldest first${value.events.length === 0 ? ": none match" : ""}`}
          />
          <Pager
            page={page}
            more={value.more}
            label="Changes"
            onPage={(next) => navigate(withParams({ page: next || null }, location))}
          />
        </>
      ) : null}
    </Page>
  );
}
