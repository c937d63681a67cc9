/**
 * Prepared statements, prepared once per SQL text: preparing costs far more than running the
 * small indexed queries the gateway and its pages make on every request.
 */
import type { Statement } from "better-sqlite3";
import type { Db } from "./database";

export type Sql = (text: string) => Statement;

export function statementCache(db: Db): Sql {
  const statements = new Map<string, Statement>();
  return (text) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
}
