/**
 * The console's feature routers, in the order they are tried. Each feature owns its module and
 * its paths (see MENU in layout.ts); add a new one here with one line.
 */
import type { Router } from "express";
import type { ConsoleDeps } from "./context";
import { membersRoutes } from "./members-routes";
import { adminRoutes } from "./admin-routes";
import { importRoutes } from "./imports/import-routes";
import { batchRoutes } from "./batches/batch-routes";
import { certificationRoutes } from "./certifications/certification-routes";
import { eventRoutes } from "./events/event-routes";
import { correctionRoutes } from "./events/correction-routes";
import { recallNotice, stockRoutes } from "./stock/stock-routes";
import { programmeRoutes } from "./programme/programme-routes";

export function consoleFeatures(deps: ConsoleDeps): Router[] {
  return [
    // First: it only notes, for the main pages, how much held stock a recall reaches.
    recallNotice(deps),
    membersRoutes(deps),
    adminRoutes(deps),
    importRoutes(deps),
    batchRoutes(deps),
    certificationRoutes(deps),
    eventRoutes(deps),
    correctionRoutes(deps),
    stockRoutes(deps),
    programmeRoutes(deps),
  ];
}
