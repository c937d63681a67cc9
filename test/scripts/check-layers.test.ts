/**
 * The one-way house checker: on this project's own tree it finds no breach, and on a small tree
 * written for the test it names each kind of breach — a lower floor importing a higher one, two
 * folders of one floor importing each other, an import circle, a script importing the tests.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readHouse } from "../../scripts/check-layers";

function writeTree(root: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
}

describe("check-layers", function () {
  let root: string;

  beforeEach(function () {
    root = mkdtempSync(path.join(tmpdir(), "house-"));
  });

  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  it("finds this project's house one-way", function () {
    const house = readHouse(path.resolve(__dirname, "../.."));
    expect(house.breaches).to.deep.equal([]);
    // The graph is real: the console draws on the page kit and the rules.
    expect(house.edges.get("server/console")?.get("server/html")).to.be.greaterThan(0);
    expect(house.edges.get("server/domain")).to.equal(undefined);
  });

  it("accepts imports that go down", function () {
    writeTree(root, {
      "server/domain/errors.ts": "export const a = 1;\n",
      "server/services/rules.ts": 'import { a } from "../domain/errors";\nexport const b = a;\n',
      "server/api/routes.ts": 'import { b } from "../services/rules";\nexport const c = b;\n',
      "scripts/lib/helpers.ts": 'import { c } from "../../server/api/routes";\nexport const d = c;\n',
      "scripts/bench.ts": 'import { d } from "./lib/helpers";\nconsole.log(d);\n',
    });
    const house = readHouse(root);
    expect(house.breaches).to.deep.equal([]);
    expect(house.edges.get("server/api")?.get("server/services")).to.equal(1);
  });

  it("names an import from a higher floor, a neighbouring folder, a circle and the tests", function () {
    writeTree(root, {
      "server/domain/shapes.ts": 'import { route } from "../api/routes";\nexport const shape = route;\n',
      "server/api/routes.ts": "export const route = 1;\n",
      "server/web/page.ts": 'import { form } from "../console/form";\nexport const page = form;\n',
      "server/console/form.ts": "export const form = 1;\n",
      "server/services/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
      "server/services/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
      "scripts/bench.ts": 'import { x } from "../test/helpers/x";\nconsole.log(x);\n',
      "test/helpers/x.ts": "export const x = 1;\n",
      // An import-shaped line inside a string is not an import.
      "server/store/text.ts": 'export const note = "import { route } from \\"../api/routes\\"";\n',
    });
    const { breaches } = readHouse(root);
    expect(breaches).to.have.members([
      "server/domain imports server/api, a higher floor (1 import)",
      "server/web imports server/console, a folder of its own floor (1 import)",
      "import circle: server/services/a.ts -> server/services/b.ts",
      "scripts/bench.ts imports the tests (../test/helpers/x); a script's helpers belong in scripts/lib/",
    ]);
  });
});
