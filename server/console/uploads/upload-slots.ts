/**
 * A cap on the upload bytes the gateway takes in at once (console files and API CSV files): a
 * request reserves what it may send before its first body byte is read and gives it back when
 * it is answered. Beyond the cap a request is turned away unread (503, try again shortly), so
 * that no number of uploads at once can fill the disk, or the memory that reads them back.
 */
export class UploadSlots {
  private inFlight = 0;

  constructor(readonly capBytes: number) {}

  /** Reserves `bytes`; the release function, or undefined when the cap has no room now. */
  take(bytes: number): (() => void) | undefined {
    if (this.inFlight + bytes > this.capBytes) return undefined;
    this.inFlight += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= bytes;
    };
  }

  /** Bytes reserved right now (for /metrics and tests). */
  get bytesInFlight(): number {
    return this.inFlight;
  }
}
