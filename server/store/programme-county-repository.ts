/** The counties the consumption-aid programme supports, by GB/T 2260 code. */
import type { Statement } from "better-sqlite3";
import type { Db } from "./database";

export class ProgrammeCountyRepository {
  private readonly find: Statement;

  constructor(db: Db) {
    this.find = db.prepare(`SELECT name FROM programme_counties WHERE code = ?`);
  }

  /** The programme's name for the county, or undefined when it is not on the list. */
  nameOf(code: string): string | undefined {
    return (this.find.get(code) as { name: string } | undefined)?.name;
  }
}
