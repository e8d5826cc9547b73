import { toUrl } from "./basePath.js";

/** The console's calls to its server: same origin, the session cookie rides along, never a token in a URL. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | undefined | null>;

export function queryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function problem(response: Response): Promise<ApiError> {
  let code = "HTTP_" + response.status;
  let message = response.statusText;
  try {
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (body.error) ({ code, message } = body.error);
  } catch {
    // not JSON: keep the status text
  }
  if (response.status === 401) onUnauthorized();
  return new ApiError(response.status, code, message);
}

export async function getJson<T>(path: string, params: Params = {}): Promise<T> {
  const response = await fetch(toUrl(path) + queryString(params), {
    credentials: "same-origin",
    headers: { accept: "application/json" },
  });
  if (!response.ok) throw await problem(response);
  return (await response.json()) as T;
}

export async function getText(path: string, params: Params = {}): Promise<string> {
  const response = await fetch(toUrl(path) + queryString(params), { credentials: "same-origin" });
  if (!response.ok) throw await problem(response);
  return response.text();
}

export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(toUrl(path), {
    method: "POST",
    credentials: "same-origin",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw await problem(response);
  return (await response.json()) as T;
}

export async function postFile<T>(path: string, params: Params, body: Blob, type: string): Promise<T> {
  const response = await fetch(toUrl(path) + queryString(params), {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": type },
    body,
  });
  if (!response.ok) throw await problem(response);
  return (await response.json()) as T;
}

/** Uploads `body` and downloads the answer as a Blob, reporting both halves' progress (0..1). */
export function uploadForBlob(
  path: string,
  params: Params,
  body: Blob,
  type: string,
  onProgress: (phase: "upload" | "download", fraction: number) => void,
): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", toUrl(path) + queryString(params));
    request.setRequestHeader("content-type", type);
    request.responseType = "blob";
    request.upload.onprogress = (event) =>
      onProgress("upload", event.lengthComputable ? event.loaded / event.total : 0);
    request.onprogress = (event) =>
      onProgress(
        "download",
        event.lengthComputable ? event.loaded / event.total : Math.min(0.99, event.loaded / Math.max(1, body.size)),
      );
    request.onerror = () => reject(new ApiError(0, "NETWORK", "the upload failed"));
    request.onload = async () => {
      if (request.status >= 200 && request.status < 300) return resolve(request.response as Blob);
      let message = `HTTP ${request.status}`;
      try {
        message =
          (JSON.parse(await (request.response as Blob).text()) as { error: { message: string } }).error.message ||
          message;
      } catch {
        // keep the status
      }
      if (request.status === 401) onUnauthorized();
      reject(new ApiError(request.status, "HTTP", message));
    };
    request.send(body);
  });
}
