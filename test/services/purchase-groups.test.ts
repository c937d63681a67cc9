/**
 * PurchaseGroups keeps the last answers of the programme's costly sales query while nothing is
 * written: the page and its CSV export, asked one after the other, run the query once. Over a
 * real SQLite database; the query is counted by wrapping the real SalesReads.
 */
import { expect } from "chai";
import { PurchaseGroups } from "../../server/services/purchase-groups";
import { openDatabase, type Db } from "../../server/store/database";
import { dataVersion } from "../../server/store/data-version";
import { SalesReads } from "../../server/store/sales-reads";

describe("PurchaseGroups (services/purchase-groups.ts)", function () {
  let db: Db;
  let queries: Array<Parameters<SalesReads["groups"]>[0]>;
  let groups: PurchaseGroups;

  beforeEach(function () {
    db = openDatabase(":memory:");
    const sales = new SalesReads(db);
    const query = sales.groups.bind(sales);
    queries = [];
    sales.groups = (period) => {
      queries.push(period);
      return query(period);
    };
    groups = new PurchaseGroups(sales, dataVersion(db));
  });

  afterEach(function () {
    db.close();
  });

  it("answers a period asked again from what it kept, while nothing is written", function () {
    const period = { fromMonth: "2026-06", toMonth: "2026-07" };
    expect(groups.of(period)).to.deep.equal([]);
    expect(groups.of({ ...period })).to.deep.equal([]);
    expect(queries).to.deep.equal([period]);
  });

  it("asks again for another period, and for every period after a write", function () {
    groups.of({ fromMonth: "2026-06" });
    groups.of({ fromMonth: "2026-07" });
    expect(queries).to.have.length(2);
    db.prepare(`INSERT INTO programme_counties (code, name, added_at) VALUES ('451026', '百色市那坡县', '2026-06-01T00:00:00Z')`).run();
    groups.of({ fromMonth: "2026-06" });
    expect(queries).to.have.length(3);
  });

  it("keeps at most sixteen periods, forgetting the oldest first", function () {
    for (let month = 1; month <= 17; month++) groups.of({ fromMonth: `2025-${String(month).padStart(2, "0")}` });
    groups.of({ fromMonth: "2025-17" });
    expect(queries).to.have.length(17);
    groups.of({ fromMonth: "2025-01" });
    expect(queries).to.have.length(18);
  });
});
