/**
 * A progress bar for a long import, on stderr: on a terminal one line redrawn in place; in a
 * log (not a terminal) one line per tenth of the way, so a log holds at most eleven of them.
 */
const BAR_WIDTH = 20;

/**
 * "recorded 4200/10000 [########------------] 42%"; rows refused on the way count as done
 * for the bar ("recorded 4190/10000, 10 refused […] 42%").
 */
export function progressLine(recorded: number, total: number, refused = 0, width = BAR_WIDTH): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, (recorded + refused) / total)) : 1;
  const filled = Math.floor(fraction * width);
  const counts = `${recorded}/${total}${refused ? `, ${refused} refused` : ""}`;
  return `recorded ${counts} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.floor(fraction * 100)}%`;
}

export class ProgressBar {
  private lastLine = "";
  private lastTenth = -1;

  constructor(
    private readonly write: (text: string) => void,
    /** Redraw one line in place (stderr is a terminal). */
    private readonly redraw: boolean,
  ) {}

  update(recorded: number, total: number, refused = 0): void {
    const line = progressLine(recorded, total, refused);
    if (this.redraw) {
      // \r back to the line's start, \x1b[K clears what a longer line left behind.
      if (line !== this.lastLine) this.write(`\r${line}\x1b[K`);
    } else {
      const tenth = total > 0 ? Math.floor((Math.min(recorded + refused, total) * 10) / total) : 10;
      if (tenth > this.lastTenth) {
        this.lastTenth = tenth;
        this.write(`${line}\n`);
      }
    }
    this.lastLine = line;
  }

  /** Ends a redrawn line, so that what is written next starts on a line of its own. */
  end(): void {
    if (this.redraw && this.lastLine) this.write("\n");
    this.lastLine = "";
  }
}
