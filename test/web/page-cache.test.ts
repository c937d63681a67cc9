import { expect } from "chai";
import { PageCache } from "../../server/web/page-cache";

describe("the page cache", function () {
  let version: number;
  let now: number;
  let renders: number;
  let cache: PageCache;
  const render = (changesAt?: number) => () => ({ body: `page ${++renders}`, etag: `"${renders}"`, changesAt });

  beforeEach(function () {
    version = 1;
    now = 1_000_000;
    renders = 0;
    cache = new PageCache(() => version, () => now);
  });

  it("renders a page once while nothing changes", function () {
    expect(cache.get("a", render())?.body).to.equal("page 1");
    expect(cache.get("a", render())?.body).to.equal("page 1");
    expect(cache.get("b", render())?.body).to.equal("page 2");
    expect(renders).to.equal(2);
  });

  it("renders afresh once the data changed", function () {
    cache.get("a", render());
    version++;
    expect(cache.get("a", render())?.body).to.equal("page 2");
  });

  it("renders afresh when the 圳品 status may change with time, and after a minute in any case", function () {
    cache.get("a", render(now + 5_000));
    now += 4_999;
    expect(cache.get("a", render())?.body).to.equal("page 1");
    now += 1;
    expect(cache.get("a", render())?.body).to.equal("page 2");
    now += 59_999;
    expect(cache.get("a", render())?.body).to.equal("page 2");
    now += 1;
    expect(cache.get("a", render())?.body).to.equal("page 3");
  });

  it("keeps nothing for a batch that does not exist", function () {
    expect(cache.get("a", () => undefined)).to.equal(undefined);
    expect(cache.get("a", render())?.body).to.equal("page 1");
  });
});
