import { useState } from "preact/hooks";
import { postFile, uploadForBlob } from "./api.js";
import { csvFields } from "../../audit/csvLine.js";
import { Page, Problem } from "./common.js";

const PREVIEW_BYTES = 64 * 1024;

interface Preview {
  readonly text: string;
  readonly stats: { lines: number; attributed: number; unallocated: number; invalid: number; problems: string[] };
}

/**
 * Attribution of a firewall or NAT log: the columns are read from the file's first line, a
 * preview attributes its first lines, and the whole file streams through the server (the
 * progress bar follows the upload, then the download) into a file to save.
 */
export function AttributePage() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<"csv" | "ndjson">("csv");
  const [header, setHeader] = useState(true);
  const [columns, setColumns] = useState<string[]>([]);
  const [ipColumn, setIpColumn] = useState("");
  const [timeColumn, setTimeColumn] = useState("");
  const [assumeZone, setAssumeZone] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [progress, setProgress] = useState<{ phase: string; fraction: number } | null>(null);
  const [download, setDownload] = useState<{ url: string; name: string; size: number } | null>(null);
  const [error, setError] = useState<Error | undefined>();

  const readColumns = async (chosen: File, withHeader: boolean, chosenFormat: string) => {
    const first = (await chosen.slice(0, 8192).text()).split("\n")[0]?.replace(/\r$/, "") ?? "";
    let names: string[];
    if (chosenFormat === "ndjson") {
      try {
        names = Object.keys(JSON.parse(first) as object);
      } catch {
        names = [];
      }
    } else names = withHeader ? csvFields(first) : csvFields(first).map((_, index) => String(index + 1));
    setColumns(names);
    setIpColumn(names.find((name) => /ip|addr/i.test(name)) ?? names[0] ?? "");
    setTimeColumn(names.find((name) => /time|date|ts|at/i.test(name)) ?? names[1] ?? "");
  };
  const params = () => ({ format, ipColumn, timeColumn, header: format === "csv" && header ? "1" : "", assumeZone });
  const type = format === "csv" ? "text/csv" : "application/x-ndjson";

  return (
    <Page title="Attribute a log">
      <form
        class="attribute"
        onSubmit={(event) => {
          event.preventDefault();
        }}
      >
        <label>
          Log file (CSV or one JSON object per line){" "}
          <input
            type="file"
            name="log"
            accept=".csv,.txt,.log,.ndjson,.json,text/csv,text/plain"
            onChange={async (event) => {
              const chosen = (event.target as HTMLInputElement).files?.[0] ?? null;
              setFile(chosen);
              setPreview(null);
              setDownload(null);
              if (chosen) {
                const guessed = /\.(nd)?json$/i.test(chosen.name) ? "ndjson" : "csv";
                setFormat(guessed);
                await readColumns(chosen, header, guessed);
              }
            }}
          />
        </label>
        <label>
          Format{" "}
          <select
            value={format}
            onChange={(event) => {
              const next = (event.target as HTMLSelectElement).value as "csv" | "ndjson";
              setFormat(next);
              if (file) void readColumns(file, header, next);
            }}
          >
            <option value="csv">CSV</option>
            <option value="ndjson">NDJSON</option>
          </select>
        </label>
        {format === "csv" ? (
          <label class="check">
            <input
              type="checkbox"
              checked={header}
              onChange={(event) => {
                const next = (event.target as HTMLInputElement).checked;
                setHeader(next);
                if (file) void readColumns(file, next, format);
              }}
            />
            the first line names the columns
          </label>
        ) : null}
        <ColumnSelect
          label="Address column"
          name="ipColumn"
          columns={columns}
          value={ipColumn}
          onChange={setIpColumn}
        />
        <ColumnSelect
          label="Time column"
          name="timeColumn"
          columns={columns}
          value={timeColumn}
          onChange={setTimeColumn}
        />
        <label>
          Zone of times written without one{" "}
          <input
            name="assumeZone"
            value={assumeZone}
            placeholder="Z, +01:00 (empty: such lines are invalid)"
            onInput={(event) => setAssumeZone((event.target as HTMLInputElement).value)}
          />
        </label>
        <div class="actions">
          <button
            type="button"
            disabled={!file || !ipColumn || !timeColumn}
            onClick={async () => {
              setError(undefined);
              try {
                setPreview(
                  await postFile<Preview>(
                    "/api/attribute",
                    { ...params(), preview: "1" },
                    (file as File).slice(0, PREVIEW_BYTES),
                    type,
                  ),
                );
              } catch (failure) {
                setError(failure as Error);
              }
            }}
          >
            Preview
          </button>
          <button
            type="button"
            disabled={!file || !ipColumn || !timeColumn}
            onClick={async () => {
              setError(undefined);
              setDownload(null);
              setProgress({ phase: "upload", fraction: 0 });
              try {
                const blob = await uploadForBlob("/api/attribute", params(), file as File, type, (phase, fraction) =>
                  setProgress({ phase, fraction }),
                );
                const name = `${(file as File).name.replace(/\.[^.]*$/, "")}.attributed.${format === "csv" ? "csv" : "ndjson"}`;
                setDownload({ url: URL.createObjectURL(blob), name, size: blob.size });
                setProgress({ phase: "done", fraction: 1 });
              } catch (failure) {
                setProgress(null);
                setError(failure as Error);
              }
            }}
          >
            Attribute the whole file
          </button>
        </div>
      </form>
      {progress ? (
        <p>
          <label>
            {progress.phase === "upload"
              ? "Sending the file"
              : progress.phase === "download"
                ? "Receiving the attributed file"
                : "Done"}{" "}
            <progress id="attribute-progress" max={1} value={progress.fraction} />
          </label>
        </p>
      ) : null}
      <Problem error={error} />
      {download ? (
        <p role="status">
          <a href={download.url} download={download.name} id="attribute-download">
            Save {download.name} ({download.size} bytes)
          </a>
        </p>
      ) : null}
      {preview ? (
        <section aria-label="Preview">
          <h2>Preview of the first lines</h2>
          <p>
            {preview.stats.lines} lines: {preview.stats.attributed} attributed, {preview.stats.unallocated} unallocated,{" "}
            {preview.stats.invalid} invalid.
          </p>
          {preview.stats.problems.length ? (
            <ul>
              {preview.stats.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          ) : null}
          <pre class="preview" tabIndex={0}>
            {preview.text}
          </pre>
        </section>
      ) : null}
    </Page>
  );
}

/** A labelled choice among the file's columns (the address and the time column). */
function ColumnSelect(props: {
  label: string;
  name: string;
  columns: readonly string[];
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select
        name={props.name}
        value={props.value}
        onChange={(event) => props.onChange((event.target as HTMLSelectElement).value)}
      >
        {props.columns.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
