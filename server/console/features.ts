/**
 * The console's feature routers, in the order they are tried. Each feature owns its module and
 * its paths (see MENU in layout.ts); add a new one here with one line.
 */
import type { Router } from "express";
import type { ConsoleDeps } from "./context";
import { membersRoutes } from "./members-routes";
import { importRoutes } from "./import-routes";
import { batchRoutes } from "./batch-routes";
import { certificationRoutes } from "./certification-routes";
import { eventRoutes } from "./event-routes";
import { programmeRoutes } from "./programme-routes";

export function consoleFeatures(deps: ConsoleDeps): Router[] {
  return [
    membersRoutes(deps),
    importRoutes(deps),
    batchRoutes(deps),
    certificationRoutes(deps),
    eventRoutes(deps),
    programmeRoutes(deps),
  ];
}
