import ipaddr from "ipaddr.js";

/**
 * All address math of ipledger. ipaddr.js parses and formats at the edges; inside, an address
 * is a family plus a `bigint`, so IPv6 ranges of any size (a /64, a /48) cost the same as a /24.
 */

export type Family = 4 | 6;

export interface Address {
  readonly family: Family;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: Family;
  /** The network address (host bits masked off). */
  readonly network: bigint;
  readonly prefix: number;
}

/** An inclusive interval of addresses of one family. */
export interface Interval {
  readonly from: bigint;
  readonly to: bigint;
}

export function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

// Whereabouts accepts IPv4 octets with leading zeros ("00192.00168.1.0"); ipaddr.js would read
// them as octal, so they are stripped first.
function stripIpv4LeadingZeros(text: string): string {
  if (!/^[0-9.]+$/.test(text)) return text;
  return text
    .split(".")
    .map((octet) => octet.replace(/^0+(?=\d)/, ""))
    .join(".");
}

/** Parses an IPv4 or IPv6 address; `undefined` when it is not one. Zones are refused. */
export function parseAddress(text: string, options: { leadingZeros?: boolean } = {}): Address | undefined {
  const cleaned = options.leadingZeros === false ? text.trim() : stripIpv4LeadingZeros(text.trim());
  if (cleaned.includes("%")) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(cleaned)) {
    return { family: 4, value: bytesToBigint(ipaddr.IPv4.parse(cleaned).toByteArray()) };
  }
  if (ipaddr.IPv6.isValid(cleaned) && cleaned.includes(":")) {
    const parsed = ipaddr.IPv6.parse(cleaned);
    return { family: 6, value: bytesToBigint(parsed.toByteArray()) };
  }
  return undefined;
}

/** Formats an address the way `ip` and Go print it (RFC 5952 for IPv6). */
export function formatAddress(address: Address): string {
  const bytes = bigintToBytes(address.value, address.family === 4 ? 4 : 16);
  if (address.family === 4) return bytes.join(".");
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

/** Parses `a.b.c.d/p` or `x::y/p`; host bits are masked off, as Whereabouts does. */
export function parseCidr(text: string, options: { leadingZeros?: boolean } = {}): Cidr | undefined {
  const slash = text.lastIndexOf("/");
  if (slash < 0) return undefined;
  const address = parseAddress(text.slice(0, slash), options);
  const prefixText = text.slice(slash + 1).trim();
  if (!address || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bitsOf(address.family)) return undefined;
  return { family: address.family, network: address.value & maskOf(address.family, prefix), prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatAddress({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

export function maskOf(family: Family, prefix: number): bigint {
  const bits = BigInt(bitsOf(family));
  const hostBits = bits - BigInt(prefix);
  return ((1n << bits) - 1n) ^ ((1n << hostBits) - 1n);
}

/** The first and last address of a CIDR, both included. */
export function cidrInterval(cidr: Cidr): Interval {
  const hostBits = BigInt(bitsOf(cidr.family) - cidr.prefix);
  return { from: cidr.network, to: cidr.network + (1n << hostBits) - 1n };
}

export function cidrContains(cidr: Cidr, address: Address): boolean {
  if (cidr.family !== address.family) return false;
  const { from, to } = cidrInterval(cidr);
  return address.value >= from && address.value <= to;
}

/** A stable map key for an address: family plus hex value. */
export function addressKey(address: Address): string {
  return `${address.family}:${address.value.toString(16)}`;
}

function bytesToBigint(bytes: readonly number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function bigintToBytes(value: bigint, length: number): number[] {
  const bytes = new Array<number>(length);
  let rest = value;
  for (let index = length - 1; index >= 0; index -= 1) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/** 16 bytes, big-endian: IPv4 is stored as an IPv4-mapped IPv6 address so one index covers both. */
export function addressToBlob(address: Address): Uint8Array {
  const value = address.family === 4 ? (0xffffn << 32n) | address.value : address.value;
  return Uint8Array.from(bigintToBytes(value, 16));
}
