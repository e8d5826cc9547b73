// What the ipledger image holds, in one place: the image assembler (assemble.mjs) builds from
// this list, and test/node/imageLayout.unit.test.ts checks that the Dockerfile's final stage
// installs the same files at the same paths, so a registry build and a local one cannot drift.

/** Where the app lives in the image (the Dockerfile's WORKDIR). */
export const WORKDIR = "/app";
export const ENTRYPOINT = ["ipledger"];

/**
 * Files and trees copied into the image: `source` relative to the repository (after the build),
 * `target` absolute in the image. `node_modules` is the production dependency tree.
 */
export const COPIES = [
  { source: "package.json", target: "/app/package.json" },
  { source: "node_modules", target: "/app/node_modules" },
  { source: "dist", target: "/app/dist" },
  { source: "dist/ipledger-cni", target: "/usr/local/lib/ipledger/ipledger-cni" },
  { source: "deploy/image/ipledger-cluster.sh", target: "/usr/local/bin/ipledger-cluster" },
  { source: "deploy/image/ipledger-install-cni.sh", target: "/usr/local/bin/ipledger-install-cni" },
  { source: "deploy/image/ipledger-probe.mjs", target: "/usr/local/lib/ipledger/ipledger-probe.mjs" },
];

/** Files of dist/ that stay out of /app/dist (the plugin is installed apart, its build leftovers dropped). */
export const DIST_EXCLUDED = /^ipledger-cni(\..*)?$/;

/** Symbolic links: `link` in the image points at `target`. */
export const LINKS = [
  { link: "/usr/local/bin/ipledger", target: "/app/dist/src/cli/bin.js" },
  { link: "/usr/local/bin/ipledger-probe", target: "/usr/local/lib/ipledger/ipledger-probe.mjs" },
];

/** Files made executable (mode 0755). */
export const EXECUTABLES = [
  "/usr/local/bin/ipledger-cluster",
  "/usr/local/bin/ipledger-install-cni",
  "/usr/local/lib/ipledger/ipledger-probe.mjs",
  "/usr/local/lib/ipledger/ipledger-cni",
];
