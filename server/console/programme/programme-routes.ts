/**
 * The programme view, for members of the programme office only:
 * - GET /programme: purchases by month, origin county, product and channel, with the share
 *   from the programme's counties, for a period of months (a GET form);
 * - GET /programme/sales.csv: the same figures as a spreadsheet;
 * - GET/POST /programme/counties: the programme's county list, replaced by uploading a CSV.
 * Figures are read from the ledger's confirmed sales (PurchaseGroups); the list through
 * ProgrammeCountyService, which checks the whole file before changing anything.
 */
import { readFileSync } from "node:fs";
import express, { type Router } from "express";
import type { PurchaseGroups } from "../../services/purchase-groups";
import type { ConsoleDeps } from "../context";
import { consoleLayout } from "../layout";
import { countiesBody } from "./programme-counties-page";
import { purchasesCsv, purchasesFileName } from "./programme-csv";
import { purchaseFigures } from "./programme-figures";
import { COUNTIES, PROGRAMME } from "./programme-messages";
import { purchasesBody } from "./programme-page";
import { periodQuery, readPeriod } from "./programme-period";
import { consoleOf, requireMember } from "../session";
import { formFiles } from "../uploads/multipart-form";

export function programmeRoutes(deps: ConsoleDeps): Router {
  const router = express.Router();
  const groupsOf = (period: Parameters<PurchaseGroups["of"]>[0]) => deps.purchaseGroups.of(period);
  const counties = deps.programmeCounties;
  const office = requireMember({ programme: true });

  router.get("/programme", office, (req, res) => {
    const context = consoleOf(res);
    const form = readPeriod(req.query, context.lang);
    const good = Object.keys(form.errors).length === 0;
    const figures = good ? purchaseFigures(groupsOf(form.period)) : undefined;
    res
      .status(good ? 200 : 400)
      .type("html")
      .send(
        consoleLayout({
          context,
          title: PROGRAMME[context.lang].title,
          path: `/programme${good ? periodQuery(form.period) : ""}`,
          body: purchasesBody(context.lang, form, figures, counties.list().length),
        }),
      );
  });

  router.get("/programme/sales.csv", office, (req, res) => {
    const context = consoleOf(res);
    const form = readPeriod(req.query, context.lang);
    const problems = Object.entries(form.errors);
    if (problems.length > 0) {
      res.status(400).type("text/plain").send(problems.map(([name, problem]) => `${name}: ${problem}`).join("\n"));
      return;
    }
    res
      .type("text/csv; charset=utf-8")
      .attachment(purchasesFileName(form.period))
      .send(purchasesCsv(groupsOf(form.period), context.lang));
  });

  router.get("/programme/counties", office, (req, res) => {
    const context = consoleOf(res);
    const replaced = Number(req.query.replaced);
    res.type("html").send(
      consoleLayout({
        context,
        title: COUNTIES[context.lang].title,
        path: "/programme/counties",
        body: countiesBody({
          lang: context.lang,
          csrfToken: context.csrfToken,
          counties: counties.list(),
          ...(Number.isInteger(replaced) && replaced >= 0 ? { replaced } : {}),
        }),
      }),
    );
  });

  router.post("/programme/counties", office, (req, res) => {
    const context = consoleOf(res);
    // The form was read to disk within COUNTIES_CSV_MAX_BYTES (console/uploads); a longer file was cut short.
    const file = formFiles(req).find((upload) => upload.fieldname === "file" && upload.size > 0);
    const upload = file && !file.truncated ? counties.replaceFromCsv(readFileSync(file.path)) : undefined;
    if (upload?.ok) {
      res.redirect(303, `/programme/counties?replaced=${upload.counties.length}`);
      return;
    }
    res
      .status(file?.truncated ? 413 : 400)
      .type("html")
      .send(
        consoleLayout({
          context,
          title: COUNTIES[context.lang].title,
          path: "/programme/counties",
          body: countiesBody({ lang: context.lang, csrfToken: context.csrfToken, counties: counties.list(), refused: upload ?? (file?.truncated ? "too_large" : "no_file") }),
        }),
      );
  });

  return router;
}
