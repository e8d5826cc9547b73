// Assembles the ipledger image without a container engine or registry, as an OCI layout tarball
// that `ctr -n k8s.io images import` loads (test/services/node does so):
//
//   npm run build:cni && node scripts/image/assemble.mjs --out ipledger.tar --name ipledger:dev
//
// The root filesystem holds this machine's `node` (and the shared libraries it, the plugin,
// the native addons and a small set of shell tools link), then the files of layout.mjs: the
// same paths, entry scripts and links as the Dockerfile's final stage.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { COPIES, DIST_EXCLUDED, ENTRYPOINT, EXECUTABLES, LINKS, WORKDIR } from "./layout.mjs";
import { writeOciImage } from "./ociImage.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The shell tools the entry scripts use (ipledger-install-cni: cp, chmod, mv, mkdir, dirname…).
const TOOLS = ["sh", "env", "cp", "chmod", "mv", "mkdir", "rm", "cat", "ls", "dirname", "basename", "ln", "sleep"];

/**
 * The production dependency directories, relative to the repository: the lockfile's packages not
 * marked dev (what `npm ci --omit=dev` installs), that are present for this platform.
 */
export function productionPackages() {
  const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8"));
  return Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith("node_modules/") && !meta.dev && !meta.devOptional && !meta.link)
    .map(([path]) => path)
    .filter((path) => existsSync(join(repo, path, "package.json")))
    .sort();
}

/** Copies `source` (a file, or a tree minus what `skip` says) to `target` under `root`. */
function place(root, source, target, skip = () => false) {
  const to = join(root, target);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(join(repo, source), to, {
    recursive: true,
    dereference: true,
    filter: (src) => !skip(relative(join(repo, source), src)),
  });
}

/** Copies a host file to the same path in `root`, following links. */
function placeHostFile(root, path) {
  const to = join(root, path);
  if (existsSync(to)) return;
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(realpathSync(path), to);
  chmodSync(to, 0o755);
}

/** The shared libraries (and loader) of ELF files, from ldd. */
function sharedLibraries(files) {
  const libs = new Set();
  for (const file of files) {
    let out;
    try {
      out = execFileSync("ldd", [file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      // A static executable (the native CNI pipe) needs no libraries; ldd says so and exits 1.
      if (/not a dynamic executable/.test(String(error.stderr ?? "") + String(error.stdout ?? ""))) continue;
      throw error;
    }
    for (const m of out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) libs.add(m[1]);
  }
  return [...libs].sort();
}

function nativeAddons(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".node")) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

/** Builds the root filesystem in `root`. */
export function buildRootfs(root) {
  for (const copy of COPIES) {
    if (copy.source === "node_modules") {
      for (const pkg of productionPackages()) {
        // Nested dependencies are listed on their own; a package's own node_modules is not copied whole.
        place(root, pkg, join(copy.target, relative("node_modules", pkg)), (rel) => rel === "node_modules");
      }
    } else if (copy.source === "dist") {
      place(root, "dist", copy.target, (rel) => !rel.includes("/") && DIST_EXCLUDED.test(rel));
    } else {
      place(root, copy.source, copy.target);
    }
  }
  for (const path of EXECUTABLES) chmodSync(join(root, path), 0o755);
  for (const { link, target } of LINKS) {
    mkdirSync(dirname(join(root, link)), { recursive: true });
    symlinkSync(target, join(root, link));
  }
  // The base: this machine's node and tools, with their libraries, at the paths they expect.
  const node = realpathSync(process.execPath);
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  copyFileSync(node, join(root, "usr/local/bin/node"));
  chmodSync(join(root, "usr/local/bin/node"), 0o755);
  const tools = TOOLS.map((t) => execFileSync("sh", ["-c", `command -v ${t}`], { encoding: "utf8" }).trim());
  mkdirSync(join(root, "usr/bin"), { recursive: true });
  for (const tool of tools) {
    copyFileSync(realpathSync(tool), join(root, "usr/bin", tool.split("/").pop()));
    chmodSync(join(root, "usr/bin", tool.split("/").pop()), 0o755);
  }
  symlinkSync("usr/bin", join(root, "bin"));
  const elves = [
    node,
    ...tools.map((t) => realpathSync(t)),
    join(repo, "dist/ipledger-cni"),
    ...nativeAddons(join(root, "app/node_modules")),
  ];
  for (const lib of sharedLibraries(elves)) placeHostFile(root, lib);
  for (const dir of ["tmp", "etc", "run", "var/lib"]) mkdirSync(join(root, dir), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
  writeFileSync(
    join(root, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh\n",
  );
  // System CAs, for Kafka over TLS without a private CA (IPLEDGER_KAFKA_TLS=true).
  if (existsSync("/etc/ssl/certs/ca-certificates.crt")) placeHostFile(root, "/etc/ssl/certs/ca-certificates.crt");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nnonroot:x:65532:\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { out: { type: "string" }, name: { type: "string", multiple: true }, rootfs: { type: "string" } },
  });
  if (!values.out || !values.name?.length) {
    console.error("usage: assemble.mjs --out IMAGE.tar --name NAME[:TAG]... [--rootfs DIR (kept)]");
    process.exit(2);
  }
  if (!existsSync(join(repo, "dist/ipledger-cni"))) {
    console.error("assemble: dist/ipledger-cni is missing; run `npm run build:cni` first");
    process.exit(1);
  }
  const root = values.rootfs ?? mkdtempSync(join(tmpdir(), "ipledger-rootfs-"));
  try {
    if (values.rootfs) rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    buildRootfs(root);
    const result = writeOciImage({
      rootfs: root,
      out: resolve(values.out),
      names: values.name,
      config: {
        Entrypoint: ENTRYPOINT,
        WorkingDir: WORKDIR,
        Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production"],
      },
    });
    console.error(
      `assemble: ${values.out}: ${values.name.join(", ")} (layer ${(result.layerBytes / 2 ** 20).toFixed(1)} MiB)`,
    );
  } finally {
    if (!values.rootfs) rmSync(root, { recursive: true, force: true });
  }
}
