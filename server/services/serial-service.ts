/**
 * Issues unit serials (GS1 AI 21) for a batch: only the organisation that created the batch
 * (its producer, or the processor that made it) may, and only once the batch is known to the
 * gateway. Serials live off chain: they say which units exist, the chain says what the batch is.
 */
import type { Org } from "../store/org-repository";
import type { IdempotencyRepository, Idempotency } from "../store/idempotency-repository";
import type { SerialRepository } from "../store/serial-repository";
import { digitalLinkUri, newSerial } from "../domain/digital-link";
import { parseBatchId } from "../domain/gs1";
import { forbidden, idempotencyMismatch, notFound } from "../domain/errors";

export class SerialService {
  constructor(
    private readonly serials: SerialRepository,
    private readonly answers: IdempotencyRepository,
    /** The address that created the batch (accepted or on chain), if the gateway knows it. */
    private readonly creatorOf: (batchId: string) => string | undefined,
    private readonly publicBaseUrl: string,
  ) {}

  issue(org: Org, batchId: string, count: number, idempotency?: Idempotency) {
    const id = batchId.toLowerCase();
    const creator = this.creatorOf(id);
    if (!creator) throw notFound(`no batch ${id}`, "batchId");
    if (creator.toLowerCase() !== org.address.toLowerCase()) {
      throw forbidden("only the organisation that created the batch may issue its serials");
    }
    const { gtin, lot } = parseBatchId(id);
    return this.answers.answerOnce(
      org.id,
      idempotency,
      201,
      () => ({
        batchId: id,
        serials: this.serials.issue(id, org.id, count, newSerial).map((serial) => ({
          serial,
          url: digitalLinkUri(this.publicBaseUrl, gtin, lot, serial),
        })),
      }),
      idempotencyMismatch,
    );
  }
}
