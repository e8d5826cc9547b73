/**
 * Where the console is mounted: "" for `ipledger console`, "/console" under the agent's TCP
 * listener. The server writes it into the page (`<meta name="ipledger-base">`, since the CSP
 * allows no inline script and no `<base>`); every page path and API call goes through here, so
 * the rest of the app speaks in paths relative to the mount ("/ip/10.0.0.1", "/api/who").
 */
const meta = typeof document === "undefined" ? null : document.querySelector('meta[name="ipledger-base"]');
export const BASE = (meta?.getAttribute("content") ?? "").replace(/\/+$/, "");

/** The URL the browser uses for an app path. */
export const toUrl = (appPath: string): string => BASE + appPath;

/** The app path of a browser pathname (the mount removed). */
export const toAppPath = (pathname: string): string =>
  BASE && (pathname === BASE || pathname.startsWith(`${BASE}/`)) ? pathname.slice(BASE.length) || "/" : pathname;
