/**
 * The producer's and processor's console: their batches (/console/batches), registering a
 * harvest (/console/batches/new) with its photos, a batch's page
 * (/console/batches/{batchId}) with what its creator does from there (serials, recall), and
 * processing (/console/processing/new). Each part lives in its own module; this one wires them.
 */
import express, { type Router } from "express";
import { batchActionRoutes } from "./batch-actions";
import { harvestRoutes } from "./batch-harvest";
import { batchListRoutes } from "./batch-list";
import { batchPageRoutes } from "./batch-page";
import { PhotoUploads } from "./batch-photos";
import type { ConsoleDeps } from "../context";
import { processingRoutes } from "./processing-routes";
import { promiseCertificateRoutes } from "./batch-promise-certificate";

export function batchRoutes(deps: ConsoleDeps): Router {
  const reads = deps.batchReads;
  const router = express.Router();
  router.use(batchListRoutes(deps, reads));
  // Before /console/batches/:batchId, which would take "new" for a batch id.
  router.use(harvestRoutes(deps, reads, new PhotoUploads(deps.photos)));
  router.use(batchPageRoutes(deps));
  router.use(batchActionRoutes(deps));
  router.use(promiseCertificateRoutes(deps));
  router.use(processingRoutes(deps, reads));
  return router;
}
