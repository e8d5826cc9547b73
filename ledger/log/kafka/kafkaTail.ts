import type { Consumer, EachBatchPayload } from "kafkajs";
import type { LoggedEvent } from "../../core/events.js";
import type { EndOffsets, Tail, TailHandler } from "../eventLog.js";
import { startConsumerSession, type SessionSpec } from "./consumerSession.js";
import { kafkaUnavailable, quietly, type KafkaPlace } from "./kafkaErrors.js";
import type { KafkaLogSink } from "./kafkaClient.js";
import type { ChainWalker } from "./partitionChain.js";

export interface KafkaTailDeps {
  readonly session: SessionSpec;
  readonly place: KafkaPlace;
  readonly partitions: number;
  /** A walker positioned at or before `offset` of `partition`, from what the log's chain index knows. */
  readonly walkerFrom: (partition: number, offset: number) => ChainWalker;
  readonly logger?: KafkaLogSink;
}

export interface KafkaTailOptions {
  onError?: (error: unknown) => void;
  /** Wait before starting a new consumer after one died, or re-reading a refused record. Default 500 ms. */
  retryDelayMs?: number;
}

/**
 * `EventLog.tail` on Kafka. A consumer session (`startConsumerSession`) streams every partition;
 * on each group join it seeks every partition to where this tail's walker stands, so deliveries
 * continue exactly after the last delivered offset whatever kafkajs did in between. A walker
 * starts at the chain index's nearest point before the requested offset and hashes silently up to
 * it, so every delivered event carries the same `prev`/`hash` a read from 0 would give.
 *
 * Errors: a dead consumer (broker down, auth lost) is replaced after `retryDelayMs`, forever, so
 * the tail resumes when the brokers return; when the replacement fails too, the failure is
 * reported as LOG_UNAVAILABLE (a single failure that heals is only logged); a refused record
 * (INTEGRITY_VIOLATION) is reported and re-read after a pause; a handler error is reported and
 * stops the tail. Without `onError` errors are thrown as uncaught, like the other adapters.
 *
 * @example
 *   const tail = startKafkaTail({ session, place, partitions: 6, walkerFrom }, new Map([[2, 40]]), (batch) => fold(batch), { onError: log });
 *   await tail.stop();
 */
export function startKafkaTail(
  deps: KafkaTailDeps,
  from: EndOffsets,
  handler: TailHandler,
  options: KafkaTailOptions = {},
): Tail {
  const { topic } = deps.place;
  const report = options.onError ?? throwUncaught;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const deliverFrom = (partition: number) => from.get(partition) ?? 0;
  const walkers = new Map<number, ChainWalker>();
  for (let partition = 0; partition < deps.partitions; partition += 1)
    walkers.set(partition, deps.walkerFrom(partition, deliverFrom(partition)));
  let stopped = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  const wakers = new Set<() => void>();
  const wakeAll = () => [...wakers].forEach((wake) => wake());
  /** Resolves after `ms` (never, when absent) or at the next `wakeAll()`; `wake` ends it early. */
  const sleeper = (ms?: number) => {
    let wake = () => undefined as void;
    const promise = new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => wake(), ms);
      wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      wakers.add(wake);
    });
    return { promise, wake };
  };
  const pause = (ms: number) => sleeper(ms).promise;

  async function eachBatch(consumer: Consumer, { batch, isStale }: EachBatchPayload): Promise<void> {
    const walker = walkers.get(batch.partition);
    if (stopped || isStale() || !walker) return;
    const events: LoggedEvent[] = [];
    let refused: unknown;
    for (const message of batch.messages) {
      try {
        const logged = walker.advance(Number(message.offset), message.value);
        if (logged && logged.offset >= deliverFrom(batch.partition)) events.push(logged);
      } catch (error) {
        refused = error;
        break;
      }
    }
    if (events.length > 0) {
      const call = Promise.resolve().then(() => handler(events));
      inFlight = call.catch(() => undefined);
      try {
        await call;
      } catch (error) {
        stopped = true; // skipping the batch would corrupt the consumer's fold: stop, the owner restarts from its checkpoint
        report(error);
        wakeAll();
        return;
      }
    }
    if (refused !== undefined && !stopped) {
      report(refused);
      await pause(retryDelayMs * 4);
      if (!stopped) consumer.seek({ topic, partition: batch.partition, offset: String(walker.nextOffset) });
    }
  }

  // A failure that the next attempt heals (a coordinator still loading on a fresh broker, one
  // dropped connection) is only logged; one that persists is reported as LOG_UNAVAILABLE.
  let failures = 0;
  function reportCrash(error: unknown): void {
    failures += 1;
    if (failures === 1) deps.logger?.warn({ topic, err: error }, "Kafka tail consumer failed; starting a new one");
    else report(kafkaUnavailable("tail", deps.place, error));
  }

  async function supervise(): Promise<void> {
    while (!stopped) {
      let consumer: Consumer | undefined;
      const ended = sleeper();
      let crash: (error: Error) => void = () => undefined;
      const crashed = new Promise<Error>((resolve) => (crash = resolve));
      try {
        consumer = await startConsumerSession(deps.session, {
          onJoin: (joined, partitions) => {
            failures = 0; // joined: the consumer works again
            for (const partition of partitions) {
              joined.seek({ topic, partition, offset: String(walkers.get(partition)?.nextOffset ?? 0) });
            }
          },
          eachBatch,
          onCrash: (error) => crash(error),
        });
        const error = await Promise.race([ended.promise.then(() => undefined), crashed]);
        if (error && !stopped) reportCrash(error);
      } catch (error) {
        if (!stopped) reportCrash(error);
      } finally {
        ended.wake();
      }
      await quietly(() => consumer?.disconnect() ?? Promise.resolve());
      if (!stopped) await pause(retryDelayMs);
    }
    await inFlight;
  }

  const done = supervise();
  return {
    stop() {
      stopped = true;
      wakeAll();
      return done;
    },
  };
}

function throwUncaught(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}
