/**
 * Reads what a test needs from a PDF that Chromium printed (Skia's PDF writer): each page's
 * size and the filled rectangles its content draws, in points from the page's top-left corner.
 * Just enough PDF for that, with no dependency: the objects in the file (Skia writes no object
 * streams nor cross-reference streams), the page tree, FlateDecode content streams (zlib), and
 * the content operators that place and fill rectangles (q Q cm re rg g f) — the rest is skipped.
 */
import { inflateSync } from "node:zlib";

export interface FilledRect {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The fill colour, each component 0..1 (DeviceRGB; a grey as three equal ones). */
  color: [number, number, number];
}

export interface PdfPage {
  /** The MediaBox (pt). */
  width: number;
  height: number;
  fills: FilledRect[];
}

export const MM_PER_PT = 25.4 / 72;

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

/** Every `N G obj … endobj` of the file, by number (the last definition wins, as in an updated file). */
function readObjects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString("latin1"); // one character a byte, so indexes are byte offsets
  const objects = new Map<number, PdfObject>();
  const header = /(\d+)\s+\d+\s+obj\b/g;
  let match: RegExpExecArray | null;
  while ((match = header.exec(text))) {
    const start = match.index + match[0].length;
    const end = text.indexOf("endobj", start);
    if (end < 0) throw new Error(`object ${match[1]} has no endobj`);
    const body = text.slice(start, end);
    const streamAt = /\bstream\r?\n/.exec(body);
    if (!streamAt) {
      objects.set(Number(match[1]), { dict: body });
    } else {
      const dataStart = start + streamAt.index + streamAt[0].length;
      const dataEnd = text.lastIndexOf("endstream", end);
      objects.set(Number(match[1]), { dict: body.slice(0, streamAt.index), stream: pdf.subarray(dataStart, dataEnd) });
    }
    header.lastIndex = end;
  }
  return objects;
}

function refsIn(value: string): number[] {
  return [...value.matchAll(/(\d+)\s+\d+\s+R/g)].map((m) => Number(m[1]));
}

function entry(dict: string, key: string): string | undefined {
  // The value up to the next key at the same level: enough for refs, arrays of numbers or refs, names.
  const match = new RegExp(`/${key}(?![A-Za-z0-9])\\s*(\\[[^\\]]*\\]|\\d+\\s+\\d+\\s+R|/\\w+|[-\\d.]+)`).exec(dict);
  return match?.[1];
}

function streamData(objects: Map<number, PdfObject>, id: number): Buffer {
  const object = objects.get(id);
  if (!object?.stream) throw new Error(`object ${id} is not a stream`);
  const length = entry(object.dict, "Length");
  const lengthValue = length && /R$/.test(length) ? objects.get(refsIn(length)[0])?.dict.trim() : length;
  const raw = lengthValue ? object.stream.subarray(0, Number(lengthValue)) : object.stream;
  const filter = entry(object.dict, "Filter");
  if (filter === undefined) return raw;
  if (filter === "/FlateDecode") return inflateSync(raw);
  throw new Error(`object ${id}: filter ${filter} not read here`);
}

/** The page objects in reading order, from the catalogue's page tree. */
function pageIds(objects: Map<number, PdfObject>): number[] {
  const catalog = [...objects.values()].find((o) => /\/Type\s*\/Catalog\b/.test(o.dict));
  if (!catalog) throw new Error("no /Catalog");
  const walk = (id: number): number[] => {
    const node = objects.get(id);
    if (!node) throw new Error(`page tree node ${id} missing`);
    if (/\/Type\s*\/Pages\b/.test(node.dict)) return refsIn(entry(node.dict, "Kids") ?? "").flatMap(walk);
    return [id];
  };
  return walk(refsIn(entry(catalog.dict, "Pages") ?? "")[0]);
}

// ---- content streams ---------------------------------------------------------------------------

type Token = { op: string } | { operand: number | string };

/** The tokens of a content stream: numbers as operands, operators, everything else an opaque operand. */
function* tokens(content: string): Generator<Token> {
  let i = 0;
  const n = content.length;
  const isSpace = (c: string) => c === " " || c === "\n" || c === "\r" || c === "\t" || c === "\f" || c === "\0";
  const isDelimiter = (c: string) => "()<>[]{}/%".includes(c);
  while (i < n) {
    const c = content[i];
    if (isSpace(c)) {
      i++;
    } else if (c === "%") {
      while (i < n && content[i] !== "\n" && content[i] !== "\r") i++;
    } else if (c === "(") {
      // A literal string: balanced parentheses, backslash escapes.
      let depth = 0;
      const start = i;
      for (; i < n; i++) {
        if (content[i] === "\\") i++;
        else if (content[i] === "(") depth++;
        else if (content[i] === ")" && --depth === 0) break;
      }
      i++;
      yield { operand: content.slice(start, i) };
    } else if (c === "<" && content[i + 1] === "<") {
      // A dictionary (marked-content properties): skipped whole.
      let depth = 0;
      const start = i;
      for (; i < n; i++) {
        if (content.startsWith("<<", i)) {
          depth++;
          i++;
        } else if (content.startsWith(">>", i)) {
          depth--;
          i++;
          if (depth === 0) break;
        }
      }
      i++;
      yield { operand: content.slice(start, i) };
    } else if (c === "<") {
      const end = content.indexOf(">", i);
      yield { operand: content.slice(i, end + 1) };
      i = end + 1;
    } else if (c === "[" || c === "]" || c === "{" || c === "}") {
      i++;
      yield { operand: c };
    } else if (c === "/") {
      const start = i++;
      while (i < n && !isSpace(content[i]) && !isDelimiter(content[i])) i++;
      yield { operand: content.slice(start, i) };
    } else {
      const start = i;
      while (i < n && !isSpace(content[i]) && !isDelimiter(content[i])) i++;
      const word = content.slice(start, i);
      if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) yield { operand: Number(word) };
      else if (word === "BI") throw new Error("inline images are not read here");
      else yield { op: word };
    }
  }
}

type Matrix = [number, number, number, number, number, number];

function multiply(m: Matrix, by: Matrix): Matrix {
  const [a, b, c, d, e, f] = m;
  const [A, B, C, D, E, F] = by;
  return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F];
}

function apply(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** The rectangles a content stream fills, in points from the page's top-left corner. */
export function filledRects(content: string, pageHeight: number): FilledRect[] {
  const fills: FilledRect[] = [];
  let state = { ctm: [1, 0, 0, 1, 0, 0] as Matrix, color: [0, 0, 0] as [number, number, number] };
  const saved: (typeof state)[] = [];
  let path: Array<[number, number, number, number]> = [];
  let operands: Array<number | string> = [];
  const nums = (count: number) => operands.slice(-count).map(Number);
  for (const token of tokens(content)) {
    if ("operand" in token) {
      operands.push(token.operand);
      continue;
    }
    switch (token.op) {
      case "q":
        saved.push({ ctm: state.ctm, color: state.color });
        break;
      case "Q":
        state = saved.pop() ?? state;
        break;
      case "cm":
        state = { ...state, ctm: multiply(nums(6) as Matrix, state.ctm) };
        break;
      case "rg":
        state = { ...state, color: nums(3) as [number, number, number] };
        break;
      case "g": {
        const [grey] = nums(1);
        state = { ...state, color: [grey, grey, grey] };
        break;
      }
      case "re": {
        const [x, y, w, h] = nums(4);
        const [x0, y0] = apply(state.ctm, x, y);
        const [x1, y1] = apply(state.ctm, x + w, y + h);
        path.push([Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)]);
        break;
      }
      case "f":
      case "F":
      case "f*":
        for (const [x, y, width, height] of path) fills.push({ x, y: pageHeight - (y + height), width, height, color: state.color });
        path = [];
        break;
      case "n":
      case "S":
      case "s":
      case "B":
      case "B*":
      case "b":
      case "b*":
        path = [];
        break;
      // Other path construction (m l c h) makes shapes that are not rectangles: they end with their own paint operator.
    }
    operands = [];
  }
  return fills;
}

export function readPdfPages(pdf: Buffer): PdfPage[] {
  if (!pdf.subarray(0, 5).equals(Buffer.from("%PDF-"))) throw new Error("not a PDF");
  const objects = readObjects(pdf);
  return pageIds(objects).map((id) => {
    const page = objects.get(id)!;
    const box = (entry(page.dict, "MediaBox") ?? "").replace(/[[\]]/g, "").trim().split(/\s+/).map(Number);
    if (box.length !== 4 || box.some(Number.isNaN)) throw new Error(`page ${id} has no MediaBox`);
    const [x0, y0, x1, y1] = box;
    const height = y1 - y0;
    const contents = refsIn(entry(page.dict, "Contents") ?? "");
    const content = contents.map((ref) => streamData(objects, ref).toString("latin1")).join("\n");
    return { width: x1 - x0, height, fills: filledRects(content, y1) };
  });
}
