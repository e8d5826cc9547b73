import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseYamlDocuments } from "./yamlSubset.js";

/** `deploy/` of this checkout. */
export const DEPLOY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../deploy");

/** The fields every manifest has; the rest is read through the helpers below. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** One document of one manifest file. */
export interface Manifest {
  /** Path below `deploy/`, e.g. `rbac/projector.yaml`. */
  readonly file: string;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly object: KubeObject;
  readonly comments: readonly string[];
}

/** Every `.yaml` file below `deploy/` (sorted), kustomizations included. */
export function yamlFiles(dir = DEPLOY_DIR): string[] {
  const walk = (path: string): string[] =>
    readdirSync(path, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(path, entry.name)) : entry.name.endsWith(".yaml") ? [join(path, entry.name)] : [],
    );
  return walk(dir)
    .map((path) => relative(dir, path))
    .sort();
}

/** Every Kubernetes object in `deploy/`: all YAML files but the kustomizations. */
export function manifestFiles(): string[] {
  return yamlFiles().filter((file) => !file.endsWith("kustomization.yaml"));
}

function isKubeObject(value: unknown): value is KubeObject {
  const object = value as Partial<KubeObject> | null;
  return (
    typeof object?.apiVersion === "string" &&
    typeof object.kind === "string" &&
    typeof object.metadata?.name === "string"
  );
}

/** The documents of one file below `deploy/`, each checked to be a Kubernetes object. */
export function loadManifestFile(file: string): Manifest[] {
  const text = readFileSync(join(DEPLOY_DIR, file), "utf8");
  let documents;
  try {
    documents = parseYamlDocuments(text);
  } catch (error) {
    throw new Error(`deploy/${file}: ${(error as Error).message}`, { cause: error });
  }
  return documents.map((document) => {
    if (!isKubeObject(document.value))
      throw new Error(`deploy/${file}:${document.line}: not a Kubernetes object (apiVersion, kind and metadata.name)`);
    return { file, line: document.line, object: document.value, comments: document.comments };
  });
}

/** Every manifest document in `deploy/` (optionally only the files below `under`). */
export function loadManifests(under?: string): Manifest[] {
  return manifestFiles()
    .filter((file) => under === undefined || file.startsWith(`${under}/`))
    .flatMap(loadManifestFile);
}

/** The manifest of a kind and name; throws naming what is missing. */
export function manifestOf(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((manifest) => manifest.object.kind === kind && manifest.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/`);
  return found;
}

/** Reads a nested field (`spec.template.spec`) of an object, as `T` (the caller's claim). */
export function field<T>(object: unknown, path: string): T {
  return path
    .split(".")
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object) as T;
}

/** A container of a pod template, as the manifests write it. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  readonly envFrom?: readonly { configMapRef?: { name: string } }[];
  readonly volumeMounts?: readonly { name: string; mountPath: string; readOnly?: boolean }[];
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly securityContext?: Record<string, unknown>;
}

export interface PodSpec {
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly initContainers?: readonly ContainerSpec[];
  readonly containers: readonly ContainerSpec[];
  readonly volumes?: readonly {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string; optional?: boolean };
    hostPath?: { path: string };
  }[];
}

/** The pod spec of a Pod or of a workload's template; undefined for other kinds. */
export function podSpecOf(object: KubeObject): PodSpec | undefined {
  if (object.kind === "Pod") return field<PodSpec>(object, "spec");
  return field<PodSpec | undefined>(object, "spec.template.spec");
}
