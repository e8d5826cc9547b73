/**
 * A sorted array of bigints with binary search. Holdings of a domain live here so that the
 * free-address search walks only taken addresses, never the whole range.
 */
export class SortedAddresses {
  private readonly values: bigint[] = [];

  /** Built in one sort (a snapshot restores a million holdings; adding one by one is quadratic). */
  static of(values: readonly bigint[]): SortedAddresses {
    const sorted = new SortedAddresses();
    const unique = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const value of unique) sorted.values.push(value);
    return sorted;
  }

  /** Every value, ascending (for snapshots and tests). */
  toArray(): readonly bigint[] {
    return this.values;
  }

  get size(): number {
    return this.values.length;
  }

  /** Index of the first value ≥ `value`. */
  lowerBound(value: bigint): number {
    let low = 0;
    let high = this.values.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.values[middle] as bigint) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  has(value: bigint): boolean {
    return this.values[this.lowerBound(value)] === value;
  }

  add(value: bigint): void {
    const index = this.lowerBound(value);
    if (this.values[index] !== value) this.values.splice(index, 0, value);
  }

  delete(value: bigint): void {
    const index = this.lowerBound(value);
    if (this.values[index] === value) this.values.splice(index, 1);
  }

  /**
   * The last index of the run of consecutive values (v, v+1, v+2, …) that starts at `index`, by
   * binary search: values are unique and ascending, so the run is the prefix where the value
   * grows exactly as the index does. A million addresses held in a row cost 20 steps, not a million.
   */
  runEnd(index: number): number {
    const start = this.values[index] as bigint;
    let low = index;
    let high = this.values.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.values[middle] as bigint) - start === BigInt(middle - index)) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  at(index: number): bigint | undefined {
    return this.values[index];
  }
}
