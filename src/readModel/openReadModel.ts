import { agentReadModel } from "./agentReadModel.js";
import { dataDirReadModel } from "./dataDirReadModel.js";
import { kafkaReadModel } from "./kafkaReadModel.js";
import type { ReadModel, ReadModelOptions } from "./readModel.js";
import { readSourceOf } from "./readSource.js";

export type { ReadModel, ReadModelOptions };

/**
 * Opens the read model the options name: `--socket` (ask the agent), `--kafka` (fold the topic
 * here), or the data directory's projection. The one entry point of every reading command.
 *
 * @example const model = await openReadModel({ dataDir, topic: "ipledger-events", kafkaPartitions: 6 }); try { … } finally { await model.close() }
 */
export async function openReadModel(options: ReadModelOptions): Promise<ReadModel> {
  const source = readSourceOf(options);
  switch (source.kind) {
    case "socket":
      return agentReadModel(source.socket, options);
    case "kafka":
      return kafkaReadModel(options, { follow: options.follow ?? false });
    case "dataDir":
      return dataDirReadModel(options, source.projectionPath);
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}
