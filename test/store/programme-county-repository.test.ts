/** The programme's county list on a fresh install: empty until the programme office uploads one. */
import { expect } from "chai";
import { openDatabase } from "../../server/store/database";
import { ProgrammeCountyRepository } from "../../server/store/programme-county-repository";

describe("the programme's county list", function () {
  it("is empty on a fresh install (every migration applied), and names no county", function () {
    const db = openDatabase(":memory:");
    try {
      const counties = new ProgrammeCountyRepository(db);
      expect(counties.list()).to.deep.equal([]);
      expect(counties.nameOf("451003")).to.equal(undefined);
    } finally {
      db.close();
    }
  });
});
