import { LedgerError, isLedgerError } from "../../core/errors.js";

/** Where the log lives, for error messages (never credentials). */
export interface KafkaPlace {
  readonly brokers: readonly string[];
  readonly topic: string;
}

/**
 * Turns a kafkajs failure into `LedgerError("LOG_UNAVAILABLE")` whose message names the brokers,
 * the topic and what to do; a `LedgerError` passes unchanged.
 *
 * @example catch (error) { throw kafkaUnavailable("append to", place, error) }
 */
export function kafkaUnavailable(action: string, place: KafkaPlace, error: unknown): LedgerError {
  if (isLedgerError(error)) return error;
  const reason = describeKafkaError(error);
  const message = `cannot ${action} Kafka topic ${place.topic} at ${place.brokers.join(",")} (${reason}); ${adviceFor(error)}`;
  return new LedgerError("LOG_UNAVAILABLE", message, {
    cause: error,
    details: { brokers: [...place.brokers], topic: place.topic },
  });
}

/** `name: message`, following kafkajs' `cause` chain down to the first cause that says something new. */
export function describeKafkaError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const text = current.message;
    if (!parts.some((part) => part.includes(text))) parts.push(text);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(": ") || String(error);
}

function adviceFor(error: unknown): string {
  const chain = describeKafkaError(error) + " " + String((error as { type?: unknown })?.type ?? "");
  if (/SASL|authenticat/i.test(chain)) {
    return "check --kafka-sasl-mechanism, --kafka-username and --kafka-password-file against the brokers' SASL settings";
  }
  if (/AUTHORIZATION|not authorized/i.test(chain)) {
    return "the principal needs Describe, Read and Write on the topic, Create on the cluster (to create it), and Read on the ipledger-* consumer groups";
  }
  if (/certificate|TLS|SSL|self.signed|EPROTO/i.test(chain)) {
    return "check --kafka-ssl and --kafka-ca: the CA file must sign the brokers' certificates";
  }
  return "check that the brokers are up and reachable from this node, then retry";
}

/**
 * Rejects with `onTimeout()` when `promise` has not settled after `ms`. The losing promise is
 * still observed, so its later rejection is not reported as unhandled.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Awaits a clean-up step for at most `ms`, ignoring its failure: shutdown must not hang on a dead broker. */
export async function quietly(step: () => Promise<unknown>, ms = 5_000): Promise<void> {
  try {
    await withDeadline(Promise.resolve().then(step), ms, () => new Error("clean-up timed out"));
  } catch {
    // the broker may be gone; the sockets are closed either way
  }
}
