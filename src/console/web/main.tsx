import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { getJson, postJson, whenUnauthorized } from "./api.js";
import { AttributePage } from "./AttributePage.js";
import { Page, Problem } from "./common.js";
import { IntegrityPage } from "./IntegrityPage.js";
import { IpPage } from "./IpPage.js";
import { ChangesPage, CidrPage, PodPage } from "./ListPages.js";
import { PoolPage } from "./PoolPage.js";
import { Link, LocationContext, navigate, useRouter, type Location } from "./router.js";
import { validZone, ZONES, ZoneContext } from "./timefmt.js";
import "./app.css";

function SearchBox(props: { big?: boolean }) {
  const [text, setText] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  return (
    <form
      role="search"
      class={props.big ? "search big" : "search"}
      onSubmit={async (event) => {
        event.preventDefault();
        setMessage(null);
        try {
          const answer = await getJson<{ url: string | null; message: string }>("/api/search", { q: text });
          if (answer.url) navigate(answer.url);
          else setMessage(answer.message);
        } catch (error) {
          setMessage((error as Error).message);
        }
      }}
    >
      <label>
        <span class={props.big ? "" : "visually-hidden"}>Search the ledger </span>
        <input
          name="q"
          value={text}
          placeholder="10.20.0.5, 10.20.0.0/24, shop/web-0, a pod UID, a container id, a node"
          onInput={(event) => setText((event.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Search</button>
      {message ? (
        <p role="alert" class="search-message">
          {message}
        </p>
      ) : null}
    </form>
  );
}

function Home() {
  return (
    <Page title="Search the ledger">
      <SearchBox big />
      <p>
        An address opens its timeline; a CIDR, who held its addresses; namespace/pod, a pod UID or a container id, the
        pod's addresses over its life; a node, the changes there; a pool name, the pool as of any instant.
      </p>
    </Page>
  );
}

function Login(props: { onDone: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<Error | undefined>();
  return (
    <Page title="Log in">
      <form
        class="login"
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            await postJson("/api/login", { token });
            setToken("");
            props.onDone();
          } catch (failure) {
            setError(failure as Error);
          }
        }}
      >
        <label>
          Auditor token{" "}
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            value={token}
            onInput={(event) => setToken((event.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Log in</button>
        <Problem error={error} />
        <p class="hint">The token is sent once; the browser keeps a session cookie scripts cannot read.</p>
      </form>
    </Page>
  );
}

function route(location: Location) {
  const [, first = "", second = ""] = location.path.split("/");
  switch (first) {
    case "":
      return <Home />;
    case "ip":
      return <IpPage key={second} ip={decodeURIComponent(second)} />;
    case "pool":
      return <PoolPage key={second} pool={decodeURIComponent(second)} />;
    case "pod":
      return <PodPage />;
    case "cidr":
      return <CidrPage />;
    case "changes":
      return <ChangesPage />;
    case "attribute":
      return <AttributePage />;
    case "integrity":
      return <IntegrityPage />;
    default:
      return (
        <Page title="No such page">
          <p>
            Nothing here; <Link href="/">search the ledger</Link>.
          </p>
        </Page>
      );
  }
}

const NAV = [
  ["/", "Search"],
  ["/changes", "Changes"],
  ["/attribute", "Attribute"],
  ["/integrity", "Integrity"],
] as const;

function App() {
  const location = useRouter();
  const [zone, setZone] = useState(() => {
    const saved = window.localStorage.getItem("ipledger.zone") ?? "UTC";
    return validZone(saved) ? saved : "UTC";
  });
  const [session, setSession] = useState<{ required: boolean; subject: string | null } | null>(null);
  const refresh = () =>
    getJson<{ required: boolean; subject: string | null }>("/api/session").then(setSession, () =>
      setSession({ required: true, subject: null }),
    );
  useEffect(() => {
    void refresh();
    whenUnauthorized(() => setSession({ required: true, subject: null }));
  }, []);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = [...new Set([...ZONES, browserZone])];
  return (
    <ZoneContext.Provider value={zone}>
      <LocationContext.Provider value={location}>
        <a class="skip" href="#main">
          Skip to the page
        </a>
        <header>
          <span class="brand">ipledger console</span>
          <nav aria-label="Pages">
            {NAV.map(([href, label]) => (
              <Link key={href} href={href} aria-current={location.path === href ? "page" : undefined}>
                {label}
              </Link>
            ))}
          </nav>
          <SearchBox />
          <label class="zone">
            Times in{" "}
            <select
              value={zone}
              onChange={(event) => {
                const next = (event.target as HTMLSelectElement).value;
                window.localStorage.setItem("ipledger.zone", next);
                setZone(next);
              }}
            >
              {zones.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          {session?.required && session.subject ? (
            <button type="button" onClick={() => postJson("/api/logout").then(refresh)}>
              Log out {session.subject}
            </button>
          ) : null}
        </header>
        <main id="main" tabIndex={-1}>
          {session === null ? (
            <p role="status">Connecting…</p>
          ) : session.subject === null ? (
            <Login onDone={refresh} />
          ) : (
            route(location)
          )}
        </main>
      </LocationContext.Provider>
    </ZoneContext.Provider>
  );
}

const root = document.getElementById("app") as HTMLElement;
root.textContent = ""; // the "Loading…" placeholder
render(<App />, root);
