/**
 * The batch a console route names, as its creator sees it (BatchViews.forCreator): undefined
 * when there is no such batch, the console's 403 page when another organisation created it.
 */
import type { BatchCreatorView } from "../../services/batches/creator-view";
import type { Org } from "../../store/org-repository";
import type { ConsoleDeps } from "../context";
import type { Request, Response } from "express";
import { ConsoleForbidden, consoleOf } from "../session";
import { sendNotFound } from "./batch-forms";

export function loadBatchView(deps: ConsoleDeps, param: string, org: Org): BatchCreatorView | undefined {
  const view = deps.batches.forCreator(param, org);
  if (view === "not-creator") throw new ConsoleForbidden();
  return view === "not-found" ? undefined : view;
}

/** The batch of a route's :batchId for the member's organisation, or a 404 page sent (ConsoleForbidden for another organisation's). */
export function routeBatchView(deps: ConsoleDeps, req: Request, res: Response): BatchCreatorView | undefined {
  const context = consoleOf(res);
  const view = loadBatchView(deps, String(req.params.batchId), context.org!);
  if (!view) sendNotFound(res, context, req.path);
  return view;
}
