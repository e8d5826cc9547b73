// The Dockerfile (registry users) and scripts/image/assemble.mjs (the node tier, no registry)
// must produce the same image: the same files at the same paths, the same links, entry point
// and working directory. This reads the Dockerfile's final stage and compares it with the
// assembler's list (scripts/image/layout.mjs), and checks that the list's sources exist.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs module of the build scripts, without type declarations
import * as layout from "../../scripts/image/layout.mjs";
import { REPO_ROOT } from "../support/repoRoot.js";

const REPO = REPO_ROOT;

interface Layout {
  WORKDIR: string;
  ENTRYPOINT: string[];
  COPIES: { source: string; target: string }[];
  LINKS: { link: string; target: string }[];
  EXECUTABLES: string[];
}
const image = layout as Layout;

/** The final stage of the Dockerfile, with continuation lines joined. */
function finalStage(): string[] {
  const lines = readFileSync(join(REPO, "Dockerfile"), "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim());
  const from =
    lines
      .map((l, i) => (l.startsWith("FROM ") ? i : -1))
      .filter((i) => i >= 0)
      .pop() ?? 0;
  return lines.slice(from).filter((l) => l && !l.startsWith("#"));
}

/** A Dockerfile COPY source as a repository path: the build stage's /src/X is X, /out/ipledger-cni is dist/ipledger-cni. */
function repoSource(source: string): string {
  if (source === "/out/ipledger-cni") return "dist/ipledger-cni";
  return source.replace(/^\/src\//, "");
}

function dockerfileCopies(workdir: string): { source: string; target: string }[] {
  return finalStage()
    .filter((l) => l.startsWith("COPY "))
    .map((l) => {
      const words = l
        .split(/\s+/)
        .slice(1)
        .filter((w) => !w.startsWith("--"));
      const target = words.pop() as string;
      const source = words[0] as string;
      const absolute = target.startsWith("/")
        ? target
        : `${workdir}/${target.replace(/^\.\/?/, source.split("/").pop() ?? "")}`;
      return { source: repoSource(source), target: absolute.replace(/\/$/, "") };
    });
}

describe("the image's layout", () => {
  it("has the Dockerfile's working directory and entry point", () => {
    const stage = finalStage();
    expect(stage.find((l) => l.startsWith("WORKDIR "))).toBe(`WORKDIR ${image.WORKDIR}`);
    expect(JSON.parse((stage.find((l) => l.startsWith("ENTRYPOINT ")) as string).slice("ENTRYPOINT ".length))).toEqual(
      image.ENTRYPOINT,
    );
  });

  it("copies the same sources to the same paths as the Dockerfile's final stage", () => {
    const sort = (list: { source: string; target: string }[]) =>
      [...list].sort((a, b) => a.target.localeCompare(b.target));
    expect(sort(dockerfileCopies(image.WORKDIR))).toEqual(sort(image.COPIES));
  });

  it("makes the same links and executables as the Dockerfile's RUN step", () => {
    const run = finalStage()
      .filter((l) => l.startsWith("RUN "))
      .join(" ");
    const links = [...run.matchAll(/ln -s (\S+) (\S+)/g)].map((m) => ({ link: m[2], target: m[1] }));
    expect(links.sort((a, b) => String(a.link).localeCompare(String(b.link)))).toEqual(
      [...image.LINKS].sort((a, b) => a.link.localeCompare(b.link)),
    );
    const chmod =
      run
        .match(/chmod 0755 ([^&]+)/)?.[1]
        ?.trim()
        .split(/\s+/) ?? [];
    // The plugin is executable where it is built; the assembler sets it explicitly.
    expect([...chmod, "/usr/local/lib/ipledger/ipledger-cni"].sort()).toEqual([...image.EXECUTABLES].sort());
  });

  it("lists only sources that exist in the repository (dist/ after the build)", () => {
    const missing = image.COPIES.filter((c) => !c.source.startsWith("dist") && !existsSync(join(REPO, c.source)));
    expect(missing).toEqual([]);
  });
});
