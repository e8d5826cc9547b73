import { createContext } from "preact";
import { useContext } from "preact/hooks";

/** The zone times are shown in: "UTC", or an IANA name the browser knows. */
export const ZoneContext = createContext("UTC");

export const ZONES = [
  "UTC",
  "Europe/London",
  "Europe/Paris",
  "America/New_York",
  "America/Los_Angeles",
  "Asia/Tokyo",
  "Asia/Kolkata",
  "Australia/Sydney",
];

const formats = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-20 03:12:09 UTC`, or the same instant in `zone` with its offset name. */
export function formatTime(ms: number, zone: string): string {
  if (!Number.isFinite(ms)) return "";
  if (zone === "UTC")
    return new Date(ms)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d{3}Z$/, " UTC");
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "shortOffset",
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName ?? zone}`;
}

export function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A time in the chosen zone; the exact instant (UTC, milliseconds) on hover and for screen readers. */
export function Time(props: { iso?: string | null; ms?: number; empty?: string }) {
  const zone = useContext(ZoneContext);
  const ms = props.ms ?? (props.iso ? Date.parse(props.iso) : Number.NaN);
  if (!Number.isFinite(ms)) return <span>{props.empty ?? "—"}</span>;
  const exact = new Date(ms).toISOString();
  return (
    <time dateTime={exact} title={exact} class="instant">
      {formatTime(ms, zone)}
    </time>
  );
}
