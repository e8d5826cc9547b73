/**
 * A sorted array of bigints with binary search. Holdings of a domain live here so that the
 * free-address search walks only taken addresses, never the whole range.
 */
export class SortedAddresses {
  private readonly values: bigint[] = [];

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

  at(index: number): bigint | undefined {
    return this.values[index];
  }
}
