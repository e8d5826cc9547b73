/** Values per block; a block splits in two at twice this. */
const BLOCK = 512;

const ascending = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A sorted set of bigints with positions, kept as a list of sorted blocks of at most 2×BLOCK
 * values. Holdings of a domain live here so that the free-address search walks only taken
 * addresses, never the whole range. Blocks keep an insert or delete to a splice of one block
 * (a single array would move every later address: a fold of a busy domain spent a fifth of its
 * time there), while `at(i)` and `lowerBound` still answer by global position in O(log n).
 */
export class SortedAddresses {
  private blocks: bigint[][] = [];
  /** starts[b] = global position of blocks[b][0]. */
  private starts: number[] = [];
  private count = 0;

  /** Built in one sort (a snapshot restores a million holdings; adding one by one is quadratic). */
  static of(values: readonly bigint[]): SortedAddresses {
    const sorted = new SortedAddresses();
    const unique = [...new Set(values)].sort(ascending);
    for (let index = 0; index < unique.length; index += BLOCK) sorted.blocks.push(unique.slice(index, index + BLOCK));
    sorted.count = unique.length;
    sorted.reindex(0);
    return sorted;
  }

  /** Every value, ascending (for snapshots and tests). */
  toArray(): readonly bigint[] {
    return this.blocks.flat();
  }

  get size(): number {
    return this.count;
  }

  /** Global position of the first value ≥ `value` (`size` when there is none). */
  lowerBound(value: bigint): number {
    const block = this.blockFor(value);
    if (block === this.blocks.length) return this.count;
    return (this.starts[block] as number) + lowerIn(this.blocks[block] as bigint[], value);
  }

  has(value: bigint): boolean {
    const block = this.blocks[this.blockFor(value)];
    return block !== undefined && block[lowerIn(block, value)] === value;
  }

  add(value: bigint): void {
    if (this.blocks.length === 0) {
      this.blocks.push([value]);
      this.starts.push(0);
      this.count = 1;
      return;
    }
    const index = Math.min(this.blockFor(value), this.blocks.length - 1);
    const block = this.blocks[index] as bigint[];
    const at = lowerIn(block, value);
    if (block[at] === value) return;
    block.splice(at, 0, value);
    this.count += 1;
    if (block.length > 2 * BLOCK) {
      this.blocks.splice(index + 1, 0, block.splice(BLOCK));
      this.starts.splice(index + 1, 0, 0);
      this.reindex(index);
    } else this.shift(index + 1, 1);
  }

  delete(value: bigint): void {
    const index = this.blockFor(value);
    const block = this.blocks[index];
    if (block === undefined) return;
    const at = lowerIn(block, value);
    if (block[at] !== value) return;
    block.splice(at, 1);
    this.count -= 1;
    if (block.length === 0) {
      this.blocks.splice(index, 1);
      this.starts.splice(index, 1);
    }
    this.shift(block.length === 0 ? index : index + 1, -1);
  }

  /**
   * The last index of the run of consecutive values (v, v+1, v+2, …) that starts at `index`, by
   * binary search: values are unique and ascending, so the run is the prefix where the value
   * grows exactly as the index does. A million addresses held in a row cost 20 steps, not a million.
   */
  runEnd(index: number): number {
    const start = this.at(index) as bigint;
    let low = index;
    let high = this.count - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.at(middle) as bigint) - start === BigInt(middle - index)) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  at(index: number): bigint | undefined {
    if (index < 0 || index >= this.count) return undefined;
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.starts[middle] as number) <= index) low = middle;
      else high = middle - 1;
    }
    return (this.blocks[low] as bigint[])[index - (this.starts[low] as number)];
  }

  /** The first block whose last value is ≥ `value` (`blocks.length` when none is). */
  private blockFor(value: bigint): number {
    let low = 0;
    let high = this.blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const block = this.blocks[middle] as bigint[];
      if ((block[block.length - 1] as bigint) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private shift(from: number, by: number): void {
    for (let index = from; index < this.starts.length; index += 1)
      this.starts[index] = (this.starts[index] as number) + by;
  }

  private reindex(from: number): void {
    let position = from === 0 ? 0 : (this.starts[from - 1] as number) + (this.blocks[from - 1] as bigint[]).length;
    for (let index = from; index < this.blocks.length; index += 1) {
      this.starts[index] = position;
      position += (this.blocks[index] as bigint[]).length;
    }
    this.starts.length = this.blocks.length;
  }
}

/** Position in one block of the first value ≥ `value`. */
function lowerIn(values: readonly bigint[], value: bigint): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as bigint) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
