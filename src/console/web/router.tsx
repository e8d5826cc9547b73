import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import { toAppPath, toUrl } from "./basePath.js";

/** The current page (its path relative to the mount, see basePath.ts): every page's state lives in its URL, so a link pasted into a ticket reopens it. */
export interface Location {
  readonly path: string;
  readonly params: URLSearchParams;
}

const read = (): Location => ({
  path: toAppPath(window.location.pathname),
  params: new URLSearchParams(window.location.search),
});
const listeners = new Set<(location: Location) => void>();

export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", toUrl(url));
  else window.history.pushState(null, "", toUrl(url));
  const location = read();
  for (const listener of listeners) listener(location);
}

/** Replaces some query parameters of the current URL (empty values are removed). */
export function withParams(
  changes: Record<string, string | number | undefined | null>,
  location: Location = read(),
): string {
  const params = new URLSearchParams(location.params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === null || value === "") params.delete(key);
    else params.set(key, String(value));
  }
  const text = params.toString();
  return `${location.path}${text ? `?${text}` : ""}`;
}

export const LocationContext = createContext<Location>(read());

export function useLocation(): Location {
  return useContext(LocationContext);
}

export function useRouter(): Location {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const onPop = () => setLocation(read());
    listeners.add(setLocation);
    window.addEventListener("popstate", onPop);
    return () => {
      listeners.delete(setLocation);
      window.removeEventListener("popstate", onPop);
    };
  }, []);
  return location;
}

/** A real link (open in a new tab works, the URL is copyable) that navigates in place on a plain click. */
export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page" | undefined;
}) {
  return (
    <a
      href={toUrl(props.href)}
      class={props.class}
      aria-current={props["aria-current"]}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export const ipHref = (ip: string, params: Record<string, string | number> = {}): string => {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return `/ip/${encodeURIComponent(ip)}${search ? `?${search}` : ""}`;
};
export const podHref = (namespace: string, name: string): string =>
  `/pod?pod=${encodeURIComponent(`${namespace}/${name}`)}`;
export const poolHref = (pool: string, domain?: string): string =>
  `/pool/${encodeURIComponent(pool)}${domain ? `?domain=${encodeURIComponent(domain)}` : ""}`;
