import { describe, expect, it } from "vitest";
import { formatAddress, parseAddress, spreadStart } from "../../../../ledger/core/index.js";
import { allocate, allocated, given, history, owner, pool } from "../../../support/deciderSpec.js";

const p = pool("10.50.0.0/20"); // window .0.1 … .15.254
const window = { from: parseAddress("10.50.0.1")!.value, to: parseAddress("10.50.15.254")!.value };
const startOf = (node: string) => formatAddress({ family: 4, value: spreadStart(window, node) });
const seen = (node: string, recentVoids: number, inFlight = 0) => ({ contention: { node, recentVoids, inFlight } });

describe("contention: lowest free for a lone writer, spread once contention is seen", () => {
  it("given no contention seen, when a node allocates, then the lowest free address (Whereabouts' order)", () => {
    given([])
      .when(allocate(owner("a"), [p], seen("worker-1", 0, 0)))
      .thenAddresses(["10.50.0.1"]);
  });

  it("given recent voids, when a node allocates, then its pick starts at its node's hashed place", () => {
    given([])
      .when(allocate(owner("a"), [p], seen("worker-1", 2)))
      .thenAddresses([startOf("worker-1")]);
  });

  it("given claims of its own in flight, then the node spreads too (a burst is when others burst)", () => {
    given([])
      .when(allocate(owner("a"), [p], seen("worker-2", 0, 3)))
      .thenAddresses([startOf("worker-2")]);
  });

  it("given twenty node names, then their starts are distinct and the same on every call", () => {
    const nodes = Array.from({ length: 20 }, (_, index) => `node-${index + 1}`);
    const starts = nodes.map(startOf);
    expect(new Set(starts).size).toBe(20);
    expect(nodes.map(startOf)).toEqual(starts);
  });

  it("given the node's place is taken to the window's end, then the walk wraps round to the lowest free", () => {
    const tiny = pool("10.51.0.0/29"); // .1 … .6
    const tinyWindow = { from: parseAddress("10.51.0.1")!.value, to: parseAddress("10.51.0.6")!.value };
    const node = ["a", "b", "c", "d", "e", "f", "g", "h"].find(
      (name) => spreadStart(tinyWindow, name) > tinyWindow.from,
    )!;
    const start = spreadStart(tinyWindow, node);
    const taken = Array.from({ length: Number(tinyWindow.to - start) + 1 }, (_, index) => `x${index}`);
    // Fill from the node's start to the end with requested addresses; the spread pick wraps to .1.
    const events = history(
      ...taken.map((name, index) =>
        allocated(
          allocate(owner(name), [tiny], { requested: [formatAddress({ family: 4, value: start + BigInt(index) })] }),
        ),
      ),
    );
    given(events)
      .when(allocate(owner("late"), [tiny], seen(node, 1)))
      .thenAddresses(["10.51.0.1"]);
  });
});
