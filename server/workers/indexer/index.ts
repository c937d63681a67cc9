/** The gateway's indexer: the ledger's logs into the idx_ tables (read them via IndexRepository). */
export { createIndexer, type Indexer, type IndexerOptions, type IndexerStatus, type TickResult } from "./indexer";
export { rebuildIndex } from "./rebuild";
export { IndexInconsistencyError } from "./apply-logs";
