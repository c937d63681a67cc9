/**
 * The batch a console route names, as its creator sees it (BatchViews.forCreator): undefined
 * when there is no such batch, the console's 403 page when another organisation created it.
 */
import type { BatchCreatorView } from "../../services/batches/creator-view";
import type { Org } from "../../store/org-repository";
import type { ConsoleDeps } from "../context";
import { ConsoleForbidden } from "../session";

export function loadBatchView(deps: ConsoleDeps, param: string, org: Org): BatchCreatorView | undefined {
  const view = deps.batches.forCreator(param, org);
  if (view === "not-creator") throw new ConsoleForbidden();
  return view === "not-found" ? undefined : view;
}
