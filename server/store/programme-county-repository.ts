/** The counties the consumption-aid programme supports, by GB/T 2260 code. */
import type { Statement } from "better-sqlite3";
import type { Db } from "./database";

export interface ProgrammeCounty {
  code: string;
  name: string;
  /** When the county joined the list (ISO 8601). */
  addedAt: string;
}

export class ProgrammeCountyRepository {
  private readonly find: Statement;

  constructor(private readonly db: Db) {
    this.find = db.prepare(`SELECT name FROM programme_counties WHERE code = ?`);
  }

  /** The programme's name for the county, or undefined when it is not on the list. */
  nameOf(code: string): string | undefined {
    return (this.find.get(code) as { name: string } | undefined)?.name;
  }

  /** The whole list, by code. */
  list(): ProgrammeCounty[] {
    return this.db.prepare(`SELECT code, name, added_at AS addedAt FROM programme_counties ORDER BY code`).all() as ProgrammeCounty[];
  }

  /**
   * Makes the list exactly `counties`, in one transaction: counties no longer listed leave it,
   * new ones join it now, and those that stay keep the date they joined (with the new name).
   */
  replace(counties: ReadonlyArray<{ code: string; name: string }>): void {
    const addedAt = new Date().toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO programme_counties (code, name, added_at) VALUES (?, ?, ?)
       ON CONFLICT (code) DO UPDATE SET name = excluded.name`,
    );
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM programme_counties WHERE code NOT IN (SELECT value FROM json_each(?))`).run(
        JSON.stringify(counties.map((county) => county.code)),
      );
      for (const county of counties) upsert.run(county.code, county.name, addedAt);
    })();
  }
}
