/**
 * The producer's and processor's console: their batches (/console/batches), registering a
 * harvest (/console/batches/new) with its photos (served at /photos/{hash}), a batch's page
 * (/console/batches/{batchId}) with what its creator does from there (serials, recall), and
 * processing (/console/processing/new). Each part lives in its own module; this one wires them.
 */
import express, { type Router } from "express";
import { ConsoleBatchReads } from "../store/console-batch-reads";
import { batchActionRoutes } from "./batch-actions";
import { harvestRoutes } from "./batch-harvest";
import { batchListRoutes } from "./batch-list";
import { batchPageRoutes } from "./batch-page";
import { PhotoUploads } from "./batch-photos";
import type { ConsoleDeps } from "./context";
import { photoRoutes } from "./photo-routes";
import { processingRoutes } from "./processing-routes";

export function batchRoutes(deps: ConsoleDeps): Router {
  const reads = new ConsoleBatchReads(deps.db);
  const router = express.Router();
  router.use(batchListRoutes(deps, reads));
  // Before /console/batches/:batchId, which would take "new" for a batch id.
  router.use(harvestRoutes(deps, reads, new PhotoUploads(deps.photos)));
  router.use(batchPageRoutes(deps, reads));
  router.use(batchActionRoutes(deps, reads));
  router.use(processingRoutes(deps, reads));
  router.use(photoRoutes(deps.photos));
  return router;
}
