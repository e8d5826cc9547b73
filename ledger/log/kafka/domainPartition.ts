import { createHash } from "node:crypto";

/**
 * The Kafka partition of an allocation domain: the first 4 bytes of `sha256(domain as UTF-8)`,
 * read as an unsigned big-endian integer, modulo the topic's partition count.
 *
 * Every writer and reader computes it the same way on any platform or Node version, and it
 * does not depend on kafkajs' partitioner (murmur2 of the key), so a different client could
 * write the same topic. The domain is also the message key, so Kafka tools see it.
 *
 * The mapping is only stable while the partition count is: never add partitions to an ipledger
 * topic, or a domain's new events land in another partition than its history. Readers detect
 * that (`INTEGRITY_VIOLATION`).
 *
 * @example partitionOfDomain("", 6) // the default domain's partition in a 6-partition topic
 */
export function partitionOfDomain(domain: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`a topic has at least 1 partition, not ${partitions}`);
  return createHash("sha256").update(domain, "utf8").digest().readUInt32BE(0) % partitions;
}
