// Writes an OCI image-layout tarball from a root filesystem directory, without a container
// engine or registry: one gzip layer (a deterministic tar of the directory), a config, a
// manifest and an index.json whose manifest carries `io.containerd.image.name`, which is the
// name `ctr images import` gives the image. Digests are the sha256 of each blob.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sha256 = (buffer) => createHash("sha256").update(buffer).digest("hex");

/** Deterministic gzip tar of `dir` (sorted, root-owned, mtime 0). */
function layerOf(dir) {
  const tar = execFileSync(
    "tar",
    ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir, "-cf", "-", "."],
    { maxBuffer: 2 ** 31 - 1 },
  );
  const gz = execFileSync("gzip", ["-n", "-1"], { input: tar, maxBuffer: 2 ** 31 - 1 });
  return { tar, gz };
}

/**
 * Builds `out` (an OCI layout tar) from `rootfs`. `names` are the image names containerd
 * gives it on import; `config` holds Entrypoint/Cmd/Env/WorkingDir.
 * @param {{ rootfs: string, out: string, names: string[], config: Record<string, unknown> }} spec
 */
export function writeOciImage({ rootfs, out, names, config }) {
  const layout = mkdtempSync(join(tmpdir(), "ipledger-oci-"));
  try {
    const blobs = join(layout, "blobs", "sha256");
    mkdirSync(blobs, { recursive: true });
    const put = (buffer) => {
      const digest = sha256(buffer);
      writeFileSync(join(blobs, digest), buffer);
      return { digest: `sha256:${digest}`, size: buffer.length };
    };
    const { tar, gz } = layerOf(rootfs);
    const layer = put(gz);
    const imageConfig = put(
      Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          config,
          rootfs: { type: "layers", diff_ids: [`sha256:${sha256(tar)}`] },
        }),
      ),
    );
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", ...imageConfig },
          layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
        }),
      ),
    );
    writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: names.map((name) => ({
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.split(":").pop() },
        })),
      }),
    );
    execFileSync("tar", [
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mtime=@0",
      "-C",
      layout,
      "-cf",
      out,
      ".",
    ]);
    return { manifestDigest: manifest.digest, layerBytes: layer.size };
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}

// CLI: node scripts/image/ociImage.mjs ROOTFS OUT.tar CONFIG_JSON NAME...
if (import.meta.url === `file://${process.argv[1]}`) {
  const [rootfs, out, configJson, ...names] = process.argv.slice(2);
  if (!rootfs || !out || !configJson || names.length === 0) {
    console.error("usage: ociImage.mjs ROOTFS OUT.tar CONFIG_JSON NAME...");
    process.exit(2);
  }
  const result = writeOciImage({ rootfs, out, names, config: JSON.parse(configJson) });
  console.error(`wrote ${out} (${names.join(", ")}, manifest ${result.manifestDigest})`);
}
