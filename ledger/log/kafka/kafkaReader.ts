import type { Consumer, EachBatchPayload } from "kafkajs";
import type { LoggedEvent } from "../../core/events.js";
import { startConsumerSession, type SessionSpec } from "./consumerSession.js";
import { kafkaUnavailable, quietly, withDeadline, type KafkaPlace } from "./kafkaErrors.js";
import type { ChainWalker } from "./partitionChain.js";

export interface KafkaReaderDeps {
  readonly session: SessionSpec;
  readonly place: KafkaPlace;
  readonly readTimeoutMs: number;
  /** A walker positioned at or before `offset` of `partition`, from what the log's chain index knows. */
  readonly walkerFrom: (partition: number, offset: number) => ChainWalker;
}

/** One read in progress: the events of `partition` in [from, stop). */
interface Job {
  readonly partition: number;
  readonly from: number;
  readonly stop: number;
  readonly walker: ChainWalker;
  readonly events: LoggedEvent[];
  readonly finish: (error?: unknown) => void;
}

/**
 * `EventLog.read` on Kafka, which kafkajs can only do through a consumer group. One consumer
 * session is opened on the first read and kept: every partition stays paused except the one
 * being read, which is sought to the walker's start, resumed, fed to the walker until the
 * requested end, and paused again. Reads are serialized. Sequential reads (replay, verify)
 * continue from the chain index's furthest point, so nothing is hashed twice. A consumer that
 * dies fails the read in progress with LOG_UNAVAILABLE; the next read opens a new session.
 *
 * @example
 *   const reader = createKafkaReader(deps);
 *   const events = await reader.read(0, 0, 5000); // partition 0, offsets 0..4999
 */
export function createKafkaReader(deps: KafkaReaderDeps) {
  const { topic } = deps.place;
  let consumer: Promise<Consumer> | undefined;
  let job: Job | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const discarding = new Set<Promise<void>>();
  // Failures of the consumer itself, worth one more session: a consumer that dies while joining
  // (a coordinator still loading on a fresh broker) usually works on the next try. A refused
  // record or a read that timed out would not change by trying again.
  const retriable = new WeakSet<object>();

  function onJoin(joined: Consumer, partitions: readonly number[]): void {
    const idle = partitions.filter((partition) => partition !== job?.partition);
    if (idle.length > 0) joined.pause([{ topic, partitions: idle }]);
    if (job) joined.seek({ topic, partition: job.partition, offset: String(job.walker.nextOffset) });
  }

  async function eachBatch(joined: Consumer, { batch, isStale, pause }: EachBatchPayload): Promise<void> {
    const current = job;
    if (!current || batch.partition !== current.partition) {
      joined.pause([{ topic, partitions: [batch.partition] }]);
      return;
    }
    if (isStale()) return;
    try {
      for (const message of batch.messages) {
        if (current.walker.nextOffset >= current.stop) break;
        const logged = current.walker.advance(Number(message.offset), message.value);
        if (logged && logged.offset >= current.from) current.events.push(logged);
      }
    } catch (error) {
      pause();
      return current.finish(error);
    }
    if (current.walker.nextOffset >= current.stop) {
      pause();
      current.finish();
    }
  }

  function session(): Promise<Consumer> {
    consumer ??= startConsumerSession(
      { ...deps.session, maxBytesPerPartition: 4 * 1_048_576 },
      {
        onJoin,
        eachBatch,
        onCrash: (error) => {
          consumer = undefined;
          const failure = kafkaUnavailable("read", deps.place, error);
          retriable.add(failure);
          job?.finish(failure);
        },
      },
    ).catch((error: unknown) => {
      consumer = undefined;
      const failure = kafkaUnavailable("read", deps.place, error);
      retriable.add(failure);
      throw failure;
    });
    return consumer;
  }

  async function collect(partition: number, from: number, stop: number): Promise<LoggedEvent[]> {
    const reading = await session();
    const walker = deps.walkerFrom(partition, from);
    let finish: (error?: unknown) => void = () => undefined;
    const finished = new Promise<void>(
      (resolve, reject) => (finish = (error) => (error === undefined ? resolve() : reject(error))),
    );
    const current: Job = { partition, from, stop, walker, events: [], finish };
    job = current;
    try {
      reading.seek({ topic, partition, offset: String(walker.nextOffset) });
      reading.resume([{ topic, partitions: [partition] }]);
      await withDeadline(finished, deps.readTimeoutMs, () =>
        kafkaUnavailable(
          "read",
          deps.place,
          new Error(`partition ${partition} from offset ${from} did not arrive within ${deps.readTimeoutMs} ms`),
        ),
      );
      reading.pause([{ topic, partitions: [partition] }]);
      return current.events;
    } catch (error) {
      // The session may be wedged (a broker that went away without a crash yet): start afresh next time.
      const discarded = discard();
      discarding.add(discarded);
      void discarded.finally(() => discarding.delete(discarded));
      throw error;
    } finally {
      job = undefined;
    }
  }

  async function collectRetrying(partition: number, from: number, stop: number): Promise<LoggedEvent[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await collect(partition, from, stop);
      } catch (error) {
        if (attempt >= 3 || !retriable.has(error as object)) throw kafkaUnavailable("read", deps.place, error);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async function discard(): Promise<void> {
    const open = consumer;
    consumer = undefined;
    if (open) await quietly(async () => (await open).disconnect());
  }

  return {
    /** The events of `partition` in [from, stop), `stop` at most the partition's end offset. */
    read(partition: number, from: number, stop: number): Promise<LoggedEvent[]> {
      const result = queue.then(() => (from >= stop ? [] : collectRetrying(partition, from, stop)));
      queue = result.catch(() => undefined);
      return result;
    },
    async close(): Promise<void> {
      await queue;
      await Promise.all([discard(), ...discarding]);
    },
  };
}
