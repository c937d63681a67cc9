import { expect } from "chai";
import { escapeHtml, html } from "../../server/html/html";
import { chooseLanguage } from "../../server/html/i18n";
import { digitalLinkPath, encodeSegment, newSerial, SERIAL_PATTERN, shortCode } from "../../server/domain/digital-link";

describe("the page template layer", function () {
  it("escapes the five characters that can change HTML's meaning", function () {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).to.equal("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });

  it("escapes every interpolated value, including inside arrays, but not nested templates", function () {
    const evil = `<script>alert(1)</script>`;
    const inner = html`<b>${evil}</b>`;
    const page = html`<p title="${evil}">${evil}${[evil, inner]}${null}${undefined}${false}${0}</p>`.value;
    expect(page).not.to.contain("<script>");
    expect(page).to.contain("<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>");
    expect(page.match(/&lt;script&gt;/g)).to.have.length(4);
    expect(page).to.match(/>0<\/p>$/);
  });
});

describe("choosing the page's language", function () {
  it("defaults to Chinese and follows ?lang= before Accept-Language", function () {
    expect(chooseLanguage(undefined, undefined)).to.equal("zh");
    expect(chooseLanguage(undefined, "fr-FR,de;q=0.8")).to.equal("zh");
    expect(chooseLanguage(undefined, "en-US,en;q=0.9")).to.equal("en");
    expect(chooseLanguage(undefined, "zh-CN,zh;q=0.9,en;q=0.8")).to.equal("zh");
    expect(chooseLanguage(undefined, "zh;q=0.5, en;q=0.8")).to.equal("en");
    expect(chooseLanguage("zh", "en-US")).to.equal("zh");
    expect(chooseLanguage("en", "zh-CN")).to.equal("en");
    expect(chooseLanguage(["en"], "zh-CN")).to.equal("zh");
  });
});

describe("GS1 Digital Link paths and serials", function () {
  it("percent-encodes every lot character outside RFC 3986's unreserved set", function () {
    expect(encodeSegment(`A/B%C?D&E'F`)).to.equal("A%2FB%25C%3FD%26E%27F");
    expect(digitalLinkPath("06901234567892", "TY 1/2", "ABC")).to.equal("/01/06901234567892/10/TY%201%2F2/21/ABC");
  });

  it("makes random 12-character Crockford serials, read in groups of four", function () {
    const serials = new Set(Array.from({ length: 1000 }, newSerial));
    expect(serials.size).to.equal(1000);
    for (const serial of serials) expect(serial).to.match(SERIAL_PATTERN);
    expect(shortCode("ABCDEFGHJKMN")).to.equal("ABCD-EFGH-JKMN");
  });
});
