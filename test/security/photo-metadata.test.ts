/**
 * Photos lose their metadata before they are hashed and kept: a JPEG from a phone carries the
 * farm's GPS position in its EXIF (and XMP, IPTC, a comment, trailing data), a PNG or WebP its
 * text, EXIF and XMP chunks. Uploaded through the console's harvest form, the photo served and
 * named on chain has none of it — byte for byte the image without its metadata, not re-encoded —
 * and the hash on chain is of the bytes served.
 */
import { expect } from "chai";
import { keccak256 } from "ethers";
import { batchIdFor } from "../../server/domain/gs1";
import { ConsoleClient } from "../helpers/console-client";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import { MANGO_GTIN } from "../../scripts/lib/payloads";
import { BARE_JPEG, BARE_PNG, BARE_WEBP, containsMetadata, phoneJpeg, taggedPng, taggedWebp } from "../../scripts/lib/phone-photos";

describe("security: photos lose their metadata before they are hashed and kept", function () {
  this.timeout(120_000);
  let h: Harness;
  let coop: ConsoleClient;
  const PASSWORD = "田阳芒果-基地照片-2026-xq9!";

  before(async function () {
    h = await startHarness();
    const tianyang = await h.org("田阳芒果专业合作社", "producer");
    await h.member(tianyang.id, "tianyang.photos", PASSWORD);
    coop = new ConsoleClient(h.base);
    await coop.login("tianyang.photos", PASSWORD);
  });

  after(async function () {
    await h?.stop();
  });

  /** Registers a harvest of `lot` with this photo through the console's form. */
  async function harvestWith(lot: string, photo: { name: string; type: string; data: Buffer }) {
    await coop.get("/console/batches/new?province=45");
    const fields = { productName: "田阳香芒", gtin: MANGO_GTIN, lot, province: "45", countyCode: "451003", amount: "1200", unit: "kg", harvestedAt: "2026-06-01", harvestTime: "08:00" };
    return coop.post("/console/batches/new", fields, { files: { photos: photo } });
  }

  /** The harvest's photo hashes as the chain's detail names them, and each photo as served. */
  async function servedPhotos(lot: string) {
    await h.settle();
    const harvest = (await h.call("GET", `/api/v1/batches/${batchIdFor(MANGO_GTIN, lot)}`)).body.events[0];
    expect(harvest.detailMatchesChain, "the detail naming the photos is the one hashed on chain").to.equal(true);
    const hashes = harvest.detail.photoHashes as string[];
    return Promise.all(
      hashes.map(async (hash) => {
        const photo = await fetch(`${h.base}/photos/${hash}`);
        expect(photo.status).to.equal(200);
        return { hash, type: photo.headers.get("content-type"), bytes: Buffer.from(await photo.arrayBuffer()) };
      }),
    );
  }

  it("serves a phone's JPEG, PNG and WebP without EXIF, GPS, XMP or text, byte for byte the image, under the hash the chain holds", async function () {
    const phone = phoneJpeg();
    expect(containsMetadata(phone)).to.include.members(["Exif", "GPS", "xmpmeta", "Xiaomi", "田阳"]);
    const uploads = [
      { lot: "PHOTO-J", photo: { name: "IMG_20260601_080000.jpg", type: "image/jpeg", data: phone }, bare: BARE_JPEG },
      { lot: "PHOTO-P", photo: { name: "field.png", type: "image/png", data: taggedPng() }, bare: BARE_PNG },
      { lot: "PHOTO-W", photo: { name: "field.webp", type: "image/webp", data: taggedWebp() }, bare: BARE_WEBP },
    ];
    for (const { lot, photo } of uploads) {
      expect(containsMetadata(photo.data), photo.name).not.to.deep.equal([]);
      const answer = await harvestWith(lot, photo);
      expect(answer.status, answer.text).to.equal(303);
    }
    for (const { lot, photo, bare } of uploads) {
      const [served] = await servedPhotos(lot);
      expect(served.type).to.equal(photo.type);
      expect(containsMetadata(served.bytes), photo.name).to.deep.equal([]);
      expect(served.bytes.equals(bare), photo.name).to.equal(true);
      expect(keccak256(served.bytes), "the hash on chain is of the bytes served").to.equal(served.hash);
      const kept = h.db.prepare(`SELECT bytes FROM photos WHERE hash = ?`).pluck().get(served.hash) as Buffer;
      expect(kept.equals(bare)).to.equal(true);
      expect(h.db.prepare(`SELECT count(*) FROM photos WHERE hash = ?`).pluck().get(keccak256(photo.data)), "the photo as sent is not kept").to.equal(0);
    }
  });

  it("keeps a sideways photo's orientation alone, as a one-entry EXIF, so it still shows upright", async function () {
    expect((await harvestWith("PHOTO-2", { name: "sideways.jpg", type: "image/jpeg", data: phoneJpeg(6) })).status).to.equal(303);
    const [{ bytes }] = await servedPhotos("PHOTO-2");
    expect(containsMetadata(bytes)).to.deep.equal(["Exif"]);
    const app1 = bytes.indexOf(Buffer.from([0xff, 0xe1]));
    expect(bytes.readUInt16BE(app1 + 2)).to.equal(34);
    const tiff = bytes.subarray(app1 + 10, app1 + 36);
    expect(tiff.readUInt16BE(8), "one IFD entry").to.equal(1);
    expect(tiff.readUInt16BE(10), "Orientation").to.equal(0x0112);
    expect(tiff.readUInt16BE(18)).to.equal(6);
    expect(Buffer.concat([bytes.subarray(0, app1), bytes.subarray(app1 + 36)]).equals(BARE_JPEG)).to.equal(true);
  });

  it("refuses, beside the field, a photo that is not the image it claims to be (a JPEG cut short)", async function () {
    const photos = h.db.prepare(`SELECT count(*) FROM photos`).pluck().get();
    const answer = await harvestWith("PHOTO-3", { name: "cut.jpg", type: "image/jpeg", data: phoneJpeg().subarray(0, 400) });
    expect(answer.status).to.equal(400);
    expect(answer.text).to.contain("cut.jpg");
    expect(h.db.prepare(`SELECT count(*) FROM photos`).pluck().get()).to.equal(photos);
  });
});
