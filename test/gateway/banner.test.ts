/**
 * The start banner of `npm start` (server/index.ts): it names the front door and the API docs,
 * and warns, in Chinese and English, when PUBLIC_BASE_URL is a loopback address phones cannot
 * reach, also logging it once as a warning.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, spawnGateway, type GatewayProcess } from "../../scripts/lib/processes";
import { isLoopbackUrl, loopbackWarning } from "../../server/web/loopback-warning";

/** The output once the banner is printed (it may follow the first answer on /healthz by a moment). */
async function bannerOf(gateway: GatewayProcess): Promise<string> {
  while (!gateway.output().includes("Stop with Ctrl-C.")) {
    if (gateway.child.exitCode !== null) throw new Error(`the gateway exited:\n${gateway.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return gateway.output();
}

describe("start banner", function () {
  describe("loopback addresses", function () {
    for (const url of ["http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:8080", "https://trace.localhost", "http://[::1]:8080", "http://LOCALHOST"]) {
      it(`calls ${url} loopback`, function () {
        expect(isLoopbackUrl(url)).to.equal(true);
      });
    }
    for (const url of ["https://trace.example.cn", "http://192.168.1.20:8080", "http://10.0.0.5", "http://[2001:db8::1]", "http://128.0.0.1", "http://localhost.example.cn"]) {
      it(`does not call ${url} loopback`, function () {
        expect(isLoopbackUrl(url)).to.equal(false);
        expect(loopbackWarning(url, true)).to.deep.equal([]);
      });
    }
  });

  describe("npm start with a loopback PUBLIC_BASE_URL", function () {
    this.timeout(180_000);
    const dataDir = mkdtempSync(path.join(tmpdir(), "banner-test-"));
    let gateway: GatewayProcess | undefined;

    after(async function () {
      await gateway?.stop().catch(() => undefined);
    });

    it("prints the front door and the docs, and warns in Chinese and English which variable to set, logging it once", async function () {
      const port = await freePort();
      const chainPort = await freePort();
      const publicBaseUrl = `http://localhost:${port}`;
      gateway = await spawnGateway({ port, chainPort, dataDir, env: { PUBLIC_BASE_URL: publicBaseUrl } });
      const output = await bannerOf(gateway);
      expect(output).to.contain(`Front door:     ${publicBaseUrl}/`);
      expect(output).to.contain("/api/v1/docs");
      expect(output).to.contain(`警告：PUBLIC_BASE_URL 是本机回环地址 ${publicBaseUrl}，手机扫码无法访问`);
      expect(output).to.contain("请把环境变量 PUBLIC_BASE_URL 设为购物者能访问的地址");
      expect(output).to.contain(`Warning: PUBLIC_BASE_URL is a loopback address, ${publicBaseUrl}: phones cannot reach it`);
      const logged = output.split("\n").filter((line) => line.startsWith("{") && line.includes("phones cannot reach it"));
      expect(logged).to.have.length(1);
      expect(JSON.parse(logged[0])).to.include({ level: 40, publicBaseUrl });
    });
  });
});
