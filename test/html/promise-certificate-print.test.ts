import { expect } from "chai";
import iconv from "iconv-lite";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { digitalLinkUri } from "../../server/domain/digital-link";
import { batchIdFor } from "../../server/domain/gs1";
import { certificateContent, CERTIFICATE_TITLE, PROMISE, PROMISE_SHORT, type PromiseCertificateContent } from "../../server/domain/promise-certificate";
import {
  A4_PER_SHEET,
  DOTS_PER_MM,
  labelLayout,
  PRINT_STYLESHEETS,
  promiseCertificateTspl,
  promiseCertificateZpl,
  renderPromiseCertificateHtml,
  textWidth,
  TSPL_FONT,
  type LabelSize,
} from "../../server/html/promise-certificate-print";
import { qrSvg } from "../../server/web/qr";

const GTIN = "06901234567892";
const LOT = "TY2026-001";

function sample(overrides: Partial<PromiseCertificateContent> = {}): PromiseCertificateContent {
  return certificateContent({
    certificateNo: "20260715-00001",
    issuedOn: "2026-07-15",
    batch: { id: batchIdFor(GTIN, LOT), gtin: GTIN, lot: LOT },
    digitalLink: digitalLinkUri("https://trace.example.cn", GTIN, LOT),
    product: { name: "田阳香芒" },
    quantity: { amount: 1200, unit: "kg" },
    origins: [{ lot: LOT, countyCode: "451003", county: "百色市田阳区", province: "广西壮族自治区", village: "那坡镇", base: "田阳芒果供深基地" }],
    promiser: { orgId: "org-1", name: "田阳芒果专业合作社", role: "producer", phone: "0776-3212345", address: "广西百色市田阳区那坡镇", account: "0x0000000000000000000000000000000000000001" },
    marks: ["commissioned-test", "self-tested"],
    ...overrides,
  });
}

// ---- small parsers for what the printers are sent -----------------------------------------------

interface Command {
  name: string;
  args: string[];
}

/** TSPL: one command a line, NAME arg,arg,"string"; a double quote inside a string is \["]. */
function parseTspl(text: string): Command[] {
  expect(text.endsWith("\r\n"), "TSPL lines end in CRLF").to.equal(true);
  return text
    .split("\r\n")
    .filter((line) => line !== "")
    .map((line) => {
      const space = line.indexOf(" ");
      const name = space === -1 ? line : line.slice(0, space);
      const rest = space === -1 ? "" : line.slice(space + 1);
      const args: string[] = [];
      let i = 0;
      while (i < rest.length) {
        if (rest[i] === '"') {
          let value = "";
          i++;
          for (;;) {
            if (i >= rest.length) throw new Error(`unterminated string in ${line}`);
            if (rest.startsWith('\\["]', i)) {
              value += '"';
              i += 4;
            } else if (rest[i] === '"') {
              i++;
              break;
            } else value += rest[i++];
          }
          args.push(value);
        } else {
          const end = rest.indexOf(",", i);
          args.push(rest.slice(i, end === -1 ? rest.length : end).trim());
          i = end === -1 ? rest.length : end;
        }
        if (rest[i] === ",") i++;
      }
      return { name, args };
    });
}

/** ZPL: ^XA … ^XZ, each ^ a command (two letters, or A@); field data decoded from ^FH hex escapes. */
function parseZpl(text: string): Command[] {
  const commands: Command[] = [];
  let escaped = false;
  for (const raw of text.split("^").slice(1)) {
    const body = raw.replace(/\n$/, "");
    const name = body.startsWith("A@") ? "A@" : body.slice(0, 2);
    let data = body.slice(name.length);
    if (name === "FH") escaped = true;
    if (name === "FD") {
      if (escaped) data = unescapeFh(data);
      escaped = false;
      commands.push({ name, args: [data] });
    } else commands.push({ name, args: data === "" ? [] : data.split(",") });
  }
  return commands;
}

/** ^FH field data: _XX is the byte XX (hex); the rest is UTF-8 (^CI28). */
function unescapeFh(data: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < data.length; ) {
    if (data[i] === "_" && /^[0-9A-F]{2}$/.test(data.slice(i + 1, i + 3))) {
      bytes.push(parseInt(data.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const character = String.fromCodePoint(data.codePointAt(i)!);
      bytes.push(...Buffer.from(character, "utf8"));
      i += character.length;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Draws the modules of a qrcode-package SVG (one path of 1-module strokes) and reads it back with jsQR. */
function decodeQrSvg(svg: string): string | undefined {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)![1];
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, op, argText] of path.matchAll(/([Mmh])([^Mmh]*)/g)) {
    const args = argText.trim().split(/[\s,]+/).map(Number);
    if (op === "M") [x, y] = args;
    else if (op === "m") {
      x += args[0];
      y += args[1];
    } else {
      for (let i = 0; i < args[0]; i++) dark.add(`${x + i},${Math.floor(y)}`);
      x += args[0];
    }
  }
  const scale = 6;
  const png = new PNG({ width: size * scale, height: size * scale });
  for (let py = 0; py < png.height; py++) {
    for (let px = 0; px < png.width; px++) {
      const on = dark.has(`${Math.floor(px / scale)},${Math.floor(py / scale)}`);
      const at = (py * png.width + px) * 4;
      png.data[at] = png.data[at + 1] = png.data[at + 2] = on ? 0 : 255;
      png.data[at + 3] = 255;
    }
  }
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

const SIZES: Array<{ size: LabelSize; width: number; height: number }> = [
  { size: "60x40", width: 60, height: 40 },
  { size: "80x60", width: 80, height: 60 },
];

describe("printing a 承诺达标合格证", function () {
  describe("HTML", function () {
    it("gives each size its exact @page size, in a stylesheet of its own (the pages allow no inline style)", function () {
      expect(PRINT_STYLESHEETS["60x40"].body).to.contain("@page { size: 60mm 40mm; margin: 0; }");
      expect(PRINT_STYLESHEETS["80x60"].body).to.contain("@page { size: 80mm 60mm; margin: 0; }");
      expect(PRINT_STYLESHEETS.a4.body).to.contain("@page { size: 210mm 297mm; margin: 0; }");
      expect(PRINT_STYLESHEETS["60x40"].body).to.match(/\.cert \{ width: 60mm; height: 40mm;/);
      expect(PRINT_STYLESHEETS["80x60"].body).to.match(/\.cert \{ width: 80mm; height: 60mm;/);
      // An A4 sheet: two across, four down, 100 × 70 mm each, centred on 210 × 297 mm.
      expect(PRINT_STYLESHEETS.a4.body).to.match(/\.cert \{ width: 100mm; height: 70mm;/);
      expect(PRINT_STYLESHEETS.a4.body).to.contain("padding: 8.5mm 5mm;").and.to.contain("grid-template-columns: repeat(2, 100mm); grid-auto-rows: 70mm;");
      for (const [size, sheet] of Object.entries(PRINT_STYLESHEETS)) {
        expect(sheet.path).to.match(new RegExp(`^/assets/promise-certificate-${size}\\.[0-9a-f]{12}\\.css$`));
        const html = renderPromiseCertificateHtml({ id: "0x01", content: sample() }, { size: size as "a4", qrSvg: "<svg></svg>" });
        expect(html).to.contain(`<link rel="stylesheet" href="${sheet.path}">`);
        expect(html).not.to.match(/<style|style="/);
      }
    });

    it("puts 承诺达标合格证 in large type beside the QR code, with every fact, the promise and the marks", async function () {
      const content = sample();
      const page = renderPromiseCertificateHtml({ id: "0xabc", content }, { size: "80x60", qrSvg: await qrSvg(content.digitalLink) });
      expect(page).to.contain(`<h1 class="cert-title">${CERTIFICATE_TITLE}</h1>\n<div class="cert-qr"><svg`);
      expect(PRINT_STYLESHEETS["80x60"].body).to.contain(`grid-template-areas: "title qr" "facts qr" "promise promise"`);
      const field = (name: string) => new RegExp(`data-field="${name}"><dt>[^<]+</dt><dd>([^<]*)</dd>`).exec(page)?.[1];
      expect(field("product")).to.equal("田阳香芒");
      expect(field("quantity")).to.equal("1200 公斤");
      expect(field("origin")).to.equal("广西壮族自治区百色市田阳区 那坡镇 田阳芒果供深基地");
      expect(field("promiser")).to.equal("田阳芒果专业合作社");
      expect(field("phone")).to.equal("0776-3212345");
      expect(field("address")).to.equal("广西百色市田阳区那坡镇");
      expect(field("issuedOn")).to.equal("2026-07-15");
      expect(page).to.contain("No.20260715-00001");
      expect(page).to.contain(`<p>${PROMISE.statement}</p>`);
      for (const item of PROMISE.items) expect(page).to.contain(`<li>${item}</li>`);
      expect(page).to.contain("√自检合格 √委托检测合格");
      // The smallest label carries the promise in one sentence.
      const small = renderPromiseCertificateHtml({ id: "0xabc", content }, { size: "60x40", qrSvg: "<svg></svg>" });
      expect(small).to.contain(PROMISE_SHORT);
    });

    it("holds a QR code of the batch's Digital Link", async function () {
      const content = sample();
      const page = renderPromiseCertificateHtml({ id: "0xabc", content }, { size: "60x40", qrSvg: await qrSvg(content.digitalLink) });
      const svg = /<svg[\s\S]*?<\/svg>/.exec(page)![0];
      expect(decodeQrSvg(svg)).to.equal("https://trace.example.cn/01/06901234567892/10/TY2026-001");
    });

    it("prints copies: one label a page, eight certificates an A4 sheet", function () {
      const count = (page: string) => page.match(/<article class="cert"/g)?.length ?? 0;
      const id = { id: "0x01", content: sample() };
      expect(count(renderPromiseCertificateHtml(id, { size: "60x40", qrSvg: "<svg></svg>", copies: 3 }))).to.equal(3);
      const a4 = renderPromiseCertificateHtml(id, { size: "a4", qrSvg: "<svg></svg>" });
      expect(count(a4)).to.equal(A4_PER_SHEET);
      const two = renderPromiseCertificateHtml(id, { size: "a4", qrSvg: "<svg></svg>", copies: 10 });
      expect(two.match(/<section class="sheet">/g)).to.have.length(2);
      expect(count(two)).to.equal(10);
    });

    it("escapes whatever an organisation typed", function () {
      const evil = `<script>alert("x")</script>`;
      const page = renderPromiseCertificateHtml({ id: "0x01", content: sample({ product: { name: evil } }) }, { size: "80x60", qrSvg: "<svg></svg>" });
      expect(page).not.to.contain("<script>");
      expect(page).to.contain("&lt;script&gt;");
    });
  });

  for (const { size, width, height } of SIZES) {
    describe(`a ${size} label`, function () {
      const W = width * DOTS_PER_MM;
      const H = height * DOTS_PER_MM;

      it("in TSPL: the label's size and gap, GB18030 text that decodes back, the QR command holding the Digital Link, inside the label", function () {
        const content = sample();
        const bytes = promiseCertificateTspl(content, size, 2);
        // GB18030, not UTF-8: the title's bytes are GB18030's and the text decodes back whole.
        expect(bytes.includes(iconv.encode(CERTIFICATE_TITLE, "gb18030"))).to.equal(true);
        expect(bytes.includes(Buffer.from(CERTIFICATE_TITLE, "utf8"))).to.equal(false);
        const text = iconv.decode(bytes, "gb18030");
        expect(iconv.encode(text, "gb18030").equals(bytes)).to.equal(true);
        expect(new TextDecoder("gb18030").decode(bytes)).to.equal(text);
        const commands = parseTspl(text);
        const names = commands.map((c) => c.name);
        expect(names.slice(0, 5)).to.deep.equal(["SIZE", "GAP", "DIRECTION", "REFERENCE", "CLS"]);
        expect(names.at(-1)).to.equal("PRINT");
        expect(commands[0].args).to.deep.equal([`${width} mm`, `${height} mm`]);
        expect(commands[1].args).to.deep.equal(["2 mm", "0 mm"]);
        expect(commands.at(-1)!.args).to.deep.equal(["1", "2"]);

        const texts = commands.filter((c) => c.name === "TEXT").map(({ args: [x, y, font, rotation, xMul, yMul, value] }) => ({ x: +x, y: +y, font, rotation, xMul: +xMul, yMul: +yMul, value }));
        const values = texts.map((t) => t.value);
        expect(values[0]).to.equal(CERTIFICATE_TITLE);
        expect(values).to.include.members(["品名：田阳香芒", "数量：1200 公斤", "开具方：田阳芒果专业合作社", "电话：0776-3212345", "2026-07-15 No.20260715-00001", "√自检合格 √委托检测合格"]);
        expect(values.some((v) => v.startsWith("产地：百色市田阳区"))).to.equal(true);
        if (size === "60x40") expect(values.join("")).to.contain(PROMISE_SHORT);
        else {
          expect(values).to.include(PROMISE.statement);
          PROMISE.items.forEach((item, i) => expect(values).to.include(`${"①②③④"[i]}${item}`));
        }
        for (const t of texts) {
          expect(t.font).to.equal(TSPL_FONT);
          expect(t.rotation).to.equal("0");
          const h = 24 * t.yMul;
          expect(t.x + textWidth(t.value, h), t.value).to.be.at.most(W);
          expect(t.y + h, t.value).to.be.at.most(H);
        }
        // The title is larger on the larger label.
        expect(texts[0].yMul).to.equal(size === "80x60" ? 2 : 1);

        const qr = commands.find((c) => c.name === "QRCODE")!;
        const [x, y, ecc, cell, mode, rotation, data] = qr.args;
        expect([ecc, mode, rotation]).to.deep.equal(["M", "A", "0"]);
        expect(data).to.equal(content.digitalLink);
        const layout = labelLayout(content, size);
        expect(+x + +cell * layout.qr.modules).to.be.at.most(W);
        expect(+y + +cell * layout.qr.modules).to.be.at.most(H);
        // No text runs under the QR code.
        for (const t of texts) {
          const overlapsRows = t.y < +y + +cell * layout.qr.modules && t.y + 24 * t.yMul > +y;
          if (overlapsRows) expect(t.x + textWidth(t.value, 24 * t.yMul), t.value).to.be.at.most(+x);
        }
      });

      it("in ZPL: ^XA…^XZ, the label's width and length in dots, UTF-8 text, the QR as ^BQ with the Digital Link, inside the label", function () {
        const content = sample();
        const commands = parseZpl(promiseCertificateZpl(content, size, 3).toString("utf8"));
        const names = commands.map((c) => c.name);
        expect(names[0]).to.equal("XA");
        expect(names.at(-1)).to.equal("XZ");
        expect(commands.find((c) => c.name === "CI")!.args).to.deep.equal(["28"]);
        expect(commands.find((c) => c.name === "PW")!.args).to.deep.equal([String(W)]);
        expect(commands.find((c) => c.name === "LL")!.args).to.deep.equal([String(H)]);
        expect(commands.find((c) => c.name === "PQ")!.args).to.deep.equal(["3"]);
        // Each field: ^FO x,y then a font or the QR, then ^FD data ^FS.
        const fields: Array<{ x: number; y: number; kind: string; args: string[]; data: string }> = [];
        for (let i = 0; i < commands.length; i++) {
          if (commands[i].name !== "FO") continue;
          const [x, y] = commands[i].args.map(Number);
          const kind = commands[i + 1];
          const data = commands.slice(i + 1).find((c) => c.name === "FD")!.args[0];
          fields.push({ x, y, kind: kind.name, args: kind.args, data });
        }
        const texts = fields.filter((f) => f.kind === "A@");
        expect(texts[0].data).to.equal(CERTIFICATE_TITLE);
        expect(texts.map((t) => t.data)).to.include.members(["品名：田阳香芒", "电话：0776-3212345"]);
        for (const t of texts) {
          const h = Number(t.args[1]);
          expect(t.x + textWidth(t.data, h), t.data).to.be.at.most(W);
          expect(t.y + h, t.data).to.be.at.most(H);
        }
        const qr = fields.find((f) => f.kind === "BQ")!;
        expect(qr.args.slice(0, 2)).to.deep.equal(["N", "2"]);
        expect(qr.data).to.equal(`MA,${content.digitalLink}`);
        expect(qr.x + Number(qr.args[2]) * labelLayout(content, size).qr.modules).to.be.at.most(W);
      });

      it("keeps the promise whole and cuts long facts with …; escapes what the printer languages read as commands", function () {
        const content = sample({
          product: { name: `^_~特级"精选"田阳香芒${"很长的名字".repeat(8)}` },
          promiser: { ...sample().promiser, name: "田阳县那坡镇某某某某某某某某某某某某某某某某某某芒果专业合作社联合社" },
        });
        const tspl = parseTspl(iconv.decode(promiseCertificateTspl(content, size), "gb18030")).filter((c) => c.name === "TEXT");
        const product = tspl.map((c) => c.args[6]).find((v) => v.startsWith("品名："))!;
        expect(product.startsWith(`品名：^_~特级"精选"`)).to.equal(true);
        expect(product.endsWith("…")).to.equal(true);
        const joined = tspl.map((c) => c.args[6]).join("");
        if (size === "60x40") expect(joined).to.contain(PROMISE_SHORT);
        else PROMISE.items.forEach((item) => expect(joined).to.contain(item));
        for (const c of tspl) expect(+c.args[0] + textWidth(c.args[6], 24 * +c.args[5])).to.be.at.most(W);

        const zplText = promiseCertificateZpl(content, size).toString("utf8");
        expect(zplText).to.contain("_5E").and.to.contain("_5F").and.to.contain("_7E");
        const zpl = parseZpl(zplText).filter((c) => c.name === "FD").map((c) => c.args[0]);
        expect(zpl.find((v) => v.startsWith("品名："))!.startsWith(`品名：^_~特级"精选"`)).to.equal(true);
      });
    });
  }

  it("refuses an issue date that is not a plain date (a China date stays a date)", function () {
    expect(() => sample({ issuedOn: "2026-07-15T08:00:00+08:00" } as Partial<PromiseCertificateContent>)).to.throw(RangeError);
  });
});
