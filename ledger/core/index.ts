/** The pure core of ipledger: schemas, address math, the decider and the fold. */
export * from "./commands.js";
export * from "./decide.js";
export * from "./decideRelease.js";
export * from "./decideOperator.js";
export * from "./decideOperatorCommands.js";
export * from "./decideOperatorRelease.js";
export * from "./decideOperatorReserve.js";
export * from "./decideOperatorTargets.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./evolve.js";
export * from "./freeAddresses.js";
export * from "./ip.js";
export * from "./outcome.js";
export * from "./poolDefinition.js";
export * from "./state.js";
export * from "./window.js";
export { describeOwner, blockedReason } from "./evolveHoldings.js";
