import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { ippoolObjects } from "../../../projections/kubernetes/ippoolObjects.js";
import { LOG_FILE } from "../../../src/agent.js";
import { runCli } from "../../../src/cli/program.js";
import type { ImportReport } from "../../../src/kube/importWhereabouts.js";
import { installWhereaboutsCrds } from "../../../src/kube/projectorCrds.js";
import { foldLog } from "../../../src/ledgerView.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { describeKube } from "../../support/kube/kubeService.js";
import { createTestNamespace, removeTestNamespace } from "../../support/kube/testNamespace.js";

// An import round trip against a real kube-apiserver: IPPools and ORIPs written as Whereabouts
// writes them, imported into a fresh embedded log, projected again by the IPPool projection's pure
// function, and compared with the originals. The namespace is unique to this file and removed at
// the end; the CRDs are shared with other suites and stay.

const group = "whereabouts.cni.cncf.io";
const version = "v1alpha1";
const alloc = (id: string, podref: string, ifname = "net1") => ({ id, podref, ifname });

/** Whereabouts' objects: plain spec, no labels or annotations (the CNI writes only these fields). */
const ORIGINALS = [
  {
    name: "10.60.0.0-24",
    range: "10.60.0.0/24",
    allocations: {
      "1": alloc("c0a1", "apps/web-0"),
      "2": alloc("c0a2", "apps/web-1"),
      "10": alloc("c0aa", "apps/db-0", "net2"),
    },
  },
  { name: "10.62.0.0-24", range: "10.62.0.0/24", allocations: {} },
  { name: "fd00-60---120", range: "fd00:60::/120", allocations: { "20": alloc("c6a1", "apps/web-0") } },
  { name: "storage-10.61.0.0-16", range: "10.61.0.0/16", allocations: { "258": alloc("c5a1", "apps/web-1", "net3") } },
];
/** The ORIPs Whereabouts writes beside them (network_name prefixes the storage one). */
const RESERVATIONS = [
  { name: "10.60.0.1", podref: "apps/web-0", ifname: "net1" },
  { name: "10.60.0.2", podref: "apps/web-1", ifname: "net1" },
  { name: "fd00-60--14", podref: "apps/web-0", ifname: "net1" },
  { name: "storage-10.61.1.2", podref: "apps/web-1", ifname: "net3" },
];

describeKube("import-whereabouts: round trip", (kube) => {
  const kubeConfig = new KubeConfig();
  let namespace: string;
  let dataDir: string;

  beforeAll(async () => {
    kubeConfig.loadFromFile(kube.kubeconfig);
    await installWhereaboutsCrds(kubeConfig); // the CRDs of deploy/crds/, waited until Established
    namespace = await createTestNamespace(kubeConfig, "ipledger-import");
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    for (const { name, range, allocations } of ORIGINALS) {
      await custom.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural: "ippools",
        body: { apiVersion: `${group}/${version}`, kind: "IPPool", metadata: { name }, spec: { range, allocations } },
      });
    }
    for (const { name, ...spec } of RESERVATIONS) {
      await custom.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural: "overlappingrangeipreservations",
        body: { apiVersion: `${group}/${version}`, kind: "OverlappingRangeIPReservation", metadata: { name }, spec },
      });
    }
    dataDir = freshDir("ipledger-import-int-");
  });

  afterAll(async () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (namespace) await removeTestNamespace(kubeConfig, namespace);
  });

  /** Runs `ipledger import-whereabouts … --output json` in-process; returns the exit code and report. */
  async function importOnce(...extra: string[]): Promise<{ code: number; report: ImportReport }> {
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const code = await runCli([
        "node",
        "ipledger",
        "import-whereabouts",
        "--kubeconfig",
        kube.kubeconfig,
        "--namespace",
        namespace,
        "--data-dir",
        dataDir,
        "--output",
        "json",
        ...extra,
      ]);
      return { code, report: JSON.parse(stdout.mock.calls.map(([chunk]) => String(chunk)).join("")) as ImportReport };
    } finally {
      stdout.mockRestore();
    }
  }

  it("a dry run reports what it would import and writes nothing", async () => {
    const { code, report } = await importOnce("--dry-run");
    expect(code).toBe(0);
    expect(report.summary).toEqual({ imported: 5, present: 0, conflicts: 0 });
    expect(existsSync(join(dataDir, LOG_FILE))).toBe(false);
  });

  it("imports every allocation, and the projection of the ledger equals the original IPPools", async () => {
    const { code, report } = await importOnce();
    expect(report.conflicts).toEqual([]);
    expect(code).toBe(0);
    expect(report.summary).toEqual({ imported: 5, present: 0, conflicts: 0 });
    expect(report.definedPools).toEqual(ORIGINALS.map((original) => original.name));

    const view = await foldLog(openSqliteEventLog({ path: join(dataDir, LOG_FILE) }));
    try {
      const projected = ippoolObjects(view.runner.state.pools.values(), new Map(), namespace).map((object) => ({
        name: object.metadata.name,
        spec: object.spec,
      }));
      const stored = (await kubeConfig
        .makeApiClient(CustomObjectsApi)
        .listNamespacedCustomObject({ group, version, namespace, plural: "ippools" })) as {
        items: { metadata: { name: string }; spec: unknown }[];
      };
      expect(projected).toEqual(stored.items.map((item) => ({ name: item.metadata.name, spec: item.spec })));
      expect(projected).toEqual(
        ORIGINALS.map(({ name, range, allocations }) => ({ name, spec: { range, allocations } })),
      );
      const imported = (await view.log.read(await view.log.partitionFor(""), 0, 1000)).filter(
        ({ event }) => event.type === "AddressAllocated",
      );
      expect(imported.map(({ event }) => event.type === "AddressAllocated" && event.data.source)).toEqual([
        "import",
        "import",
        "import",
        "import",
      ]);
    } finally {
      await view.close();
    }
  });

  it("is idempotent: a second import appends nothing", async () => {
    const log = openSqliteEventLog({ path: join(dataDir, LOG_FILE) });
    const before = await log.endOffsets();
    const { code, report } = await importOnce();
    expect(code).toBe(0);
    expect(report.summary).toEqual({ imported: 0, present: 5, conflicts: 0 });
    expect(report.definedPools).toEqual([]);
    expect(await log.endOffsets()).toEqual(before);
    await log.close();
  });
});
