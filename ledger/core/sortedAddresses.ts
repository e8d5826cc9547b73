/** Entries per block: inserting or deleting moves at most this many, whatever the total. */
const BLOCK = 512;

/**
 * The taken addresses of a domain, sorted, with binary search. Holdings live here so that the
 * free-address search walks only taken addresses, never the whole range. Kept in blocks of at most
 * 2 × BLOCK values: an ADD or a release in a domain holding a million addresses moves a few
 * hundred entries, not a million (one flat array made every claim cost a millisecond there).
 */
export class SortedAddresses {
  private blocks: bigint[][] = [];
  /** `starts[b]`: the index of the first value of block b; `starts[blocks.length]` is the size. */
  private starts: number[] = [0];

  /** Built in one sort (a snapshot restores a million holdings; adding one by one is slower). */
  static of(values: readonly bigint[]): SortedAddresses {
    const sorted = new SortedAddresses();
    const unique = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let index = 0; index < unique.length; index += BLOCK) sorted.blocks.push(unique.slice(index, index + BLOCK));
    sorted.reindex(0);
    return sorted;
  }

  /** Every value, ascending (for snapshots and tests). */
  toArray(): readonly bigint[] {
    return this.blocks.flat();
  }

  get size(): number {
    return this.starts[this.blocks.length] as number;
  }

  /** Index of the first value ≥ `value`. */
  lowerBound(value: bigint): number {
    const block = this.blockFor(value);
    if (block === this.blocks.length) return this.size;
    return (this.starts[block] as number) + lowerBoundIn(this.blocks[block] as bigint[], value);
  }

  has(value: bigint): boolean {
    return this.at(this.lowerBound(value)) === value;
  }

  add(value: bigint): void {
    if (this.blocks.length === 0) {
      this.blocks.push([value]);
      this.reindex(0);
      return;
    }
    const block = Math.min(this.blockFor(value), this.blocks.length - 1);
    const values = this.blocks[block] as bigint[];
    const index = lowerBoundIn(values, value);
    if (values[index] === value) return;
    values.splice(index, 0, value);
    if (values.length > 2 * BLOCK) this.blocks.splice(block + 1, 0, values.splice(BLOCK));
    this.reindex(block);
  }

  delete(value: bigint): void {
    const block = this.blockFor(value);
    const values = this.blocks[block];
    if (!values) return;
    const index = lowerBoundIn(values, value);
    if (values[index] !== value) return;
    values.splice(index, 1);
    if (values.length === 0) this.blocks.splice(block, 1);
    this.reindex(block);
  }

  /**
   * The last index of the run of consecutive values (v, v+1, v+2, …) that starts at `index`, by
   * binary search: values are unique and ascending, so the run is the prefix where the value
   * grows exactly as the index does. A million addresses held in a row cost 20 steps, not a million.
   */
  runEnd(index: number): number {
    const start = this.at(index) as bigint;
    let low = index;
    let high = this.size - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.at(middle) as bigint) - start === BigInt(middle - index)) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  at(index: number): bigint | undefined {
    if (index < 0 || index >= this.size) return undefined;
    let low = 0;
    let high = this.blocks.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.starts[middle] as number) <= index) low = middle;
      else high = middle - 1;
    }
    return (this.blocks[low] as bigint[])[index - (this.starts[low] as number)];
  }

  /** The first block whose last value is ≥ `value`; `blocks.length` when there is none. */
  private blockFor(value: bigint): number {
    let low = 0;
    let high = this.blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const values = this.blocks[middle] as bigint[];
      if ((values[values.length - 1] as bigint) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Recomputes block starts from `block` on (a few thousand numbers for a million values). */
  private reindex(block: number): void {
    this.starts.length = this.blocks.length + 1;
    if (block === 0) this.starts[0] = 0;
    for (let b = Math.max(0, block); b < this.blocks.length; b += 1) {
      this.starts[b + 1] = (this.starts[b] as number) + (this.blocks[b] as bigint[]).length;
    }
  }
}

function lowerBoundIn(values: readonly bigint[], value: bigint): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as bigint) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
