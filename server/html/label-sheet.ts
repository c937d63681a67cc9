/** The geometry of a printed label sheet, shared by the public label page and the console's serials form. */

/** An A4 sheet holds 3 x 8 labels. */
export const LABELS_PER_SHEET = 24;
