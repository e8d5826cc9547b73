/** The address `index` places after `first` (IPv4 or IPv6), in its usual text form. */
export function addressAt(first: string, index: number): string {
  if (!first.includes(":")) {
    const value = first.split(".").reduce((sum, part) => sum * 256 + Number(part), 0) + index;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
  }
  const [head = "", tail = ""] = first.split("::");
  const groups = (text: string) => (text ? text.split(":") : []);
  const left = groups(head);
  const right = groups(tail);
  const all = first.includes("::") ? [...left, ...new Array(8 - left.length - right.length).fill("0"), ...right] : left;
  let value = all.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group, 16)), 0n) + BigInt(index);
  const out: string[] = [];
  for (let i = 0; i < 8; i += 1) {
    out.unshift((value & 0xffffn).toString(16));
    value >>= 16n;
  }
  return out.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}
