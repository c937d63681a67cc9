/**
 * Harvest photos, kept off chain and addressed by the keccak256 of their bytes: the harvest's
 * detail (and so its hash on chain) names each photo by that hash, so anyone can check that the
 * photo a page shows is the one the cooperative recorded.
 */
import { keccak256 } from "ethers";
import { EventKind } from "../domain/event-kinds";
import type { Db } from "./database";
import { statementCache, type Sql } from "./statement-cache";

export type PhotoType = "image/jpeg" | "image/png" | "image/webp";

export interface Photo {
  /** keccak256 of the bytes, 0x-prefixed lowercase hex. */
  hash: string;
  orgId: string;
  contentType: PhotoType;
  bytes: Buffer;
}

export class PhotoRepository {
  private readonly sql: Sql;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  /**
   * Stores the photos not stored yet; returns the hashes this call added (the others were there).
   * Each must be kept under the keccak256 of its very bytes (the caller strips metadata first).
   */
  saveNew(photos: readonly Photo[]): string[] {
    for (const photo of photos) {
      if (keccak256(photo.bytes) !== photo.hash.toLowerCase()) throw new Error(`photo ${photo.hash} is not the keccak256 of its bytes`);
    }
    const at = new Date().toISOString();
    return this.db.transaction(() =>
      photos
        .filter(
          (photo) =>
            this.sql(`INSERT OR IGNORE INTO photos (hash, org_id, content_type, bytes, created_at) VALUES (?, ?, ?, ?, ?)`)
              .run(photo.hash, photo.orgId, photo.contentType, photo.bytes, at).changes === 1,
        )
        .map((photo) => photo.hash),
    )();
  }

  get(hash: string): { contentType: PhotoType; bytes: Buffer } | undefined {
    const row = this.sql(`SELECT content_type, bytes FROM photos WHERE hash = ?`).get(hash.toLowerCase()) as
      | { content_type: PhotoType; bytes: Buffer }
      | undefined;
    return row && { contentType: row.content_type, bytes: row.bytes };
  }

  /**
   * Deletes these photos unless an accepted harvest names them: what a write that failed after
   * storing its photos leaves behind. (The LIKE scans the accepted harvests' details; it runs only when
   * a write is refused.)
   */
  removeUnreferenced(hashes: readonly string[]): void {
    const statement = this.sql(
      `DELETE FROM photos WHERE hash = @hash AND NOT EXISTS (
         SELECT 1 FROM outbox o JOIN event_details d ON d.data_hash = o.data_hash
         WHERE o.kind = @harvest AND o.status != 'failed' AND d.detail LIKE '%' || @hash || '%')`,
    );
    this.db.transaction(() => {
      for (const hash of hashes) statement.run({ hash, harvest: EventKind.Harvest });
    })();
  }
}
