import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

type Org = { id: string; address: string; apiKey: string };
const ROLES = ["producer", "processor", "certifier", "carrier", "retailer"] as const;
type Role = (typeof ROLES)[number];
/** "own": the organisation that created the batch (or attested the certification); "other": another of the same role. */
type Side = "own" | "other";

interface WriteRoute {
  name: string;
  /** Which role and side may call it; everyone else gets 403. */
  allowed(role: Role, side: Side): boolean;
  call(h: Harness, key: string, fixture: { batch: string; certification: string; producer: Org; unique: string }): ReturnType<Harness["call"]>;
}

const WRITE_ROUTES: WriteRoute[] = [
  {
    name: "harvest",
    allowed: (role) => role === "producer",
    call: (h, key, f) => h.call("POST", "/api/v1/batches", { token: key, body: payload.harvest(f.unique) }),
  },
  ...(
    [
      ["processing", payload.packing, ["producer", "processor"]],
      ["shipment", payload.shipment, ["carrier"]],
      ["receipt", payload.receipt, ["carrier", "retailer"]],
      ["sale", payload.sale, ["retailer"]],
    ] as const
  ).map(
    ([name, body, roles]): WriteRoute => ({
      name,
      allowed: (role) => (roles as readonly string[]).includes(role),
      call: (h, key, f) => h.call("POST", `/api/v1/batches/${f.batch}/events`, { token: key, body }),
    }),
  ),
  {
    name: "recall",
    allowed: (role, side) => role === "producer" && side === "own",
    call: (h, key, f) => h.call("POST", `/api/v1/batches/${f.batch}/events`, { token: key, body: payload.recall }),
  },
  {
    name: "batch certification",
    allowed: (role) => role === "certifier",
    call: (h, key, f) => h.call("POST", `/api/v1/batches/${f.batch}/certifications`, { token: key, body: payload.certification(f.unique) }),
  },
  {
    name: "product-line certification",
    allowed: (role) => role === "certifier",
    call: (h, key, f) =>
      h.call("POST", "/api/v1/certifications", {
        token: key,
        body: { ...payload.certification(f.unique), producer: f.producer.id, gtin: payload.MANGO_GTIN },
      }),
  },
  {
    name: "revocation",
    allowed: (role, side) => role === "certifier" && side === "own",
    call: (h, key, f) => h.call("POST", `/api/v1/certifications/${f.certification}/revoke`, { token: key, body: { reason: "复检不合格" } }),
  },
  {
    name: "organisation creation",
    allowed: () => false,
    call: (h, key) => h.call("POST", "/api/v1/orgs", { token: key, body: { name: "x", role: "producer" } }),
  },
];

describe("gateway API: authorisation matrix (every write route × role × own/other organisation)", function () {
  let h: Harness;
  const orgs = {} as Record<Role, Record<Side, Org>>;
  let counter = 0;

  before(async function () {
    h = await startHarness();
    for (const role of ROLES) {
      orgs[role] = { own: await h.org(`${role} A`, role), other: await h.org(`${role} B`, role) };
    }
  });

  after(async function () {
    await h?.stop();
  });

  /** A fresh batch of producer A, attested by certifier A, so that every case starts alike. */
  async function fixture() {
    const unique = `AUTH-${++counter}`;
    const harvest = await h.call("POST", "/api/v1/batches", { token: orgs.producer.own.apiKey, body: payload.harvest(`B-${unique}`) });
    const certification = await h.call("POST", `/api/v1/batches/${harvest.body.batchId}/certifications`, {
      token: orgs.certifier.own.apiKey,
      body: payload.certification(`C-${unique}`),
    });
    return { batch: harvest.body.batchId, certification: certification.body.certificationId, producer: orgs.producer.own, unique };
  }

  for (const route of WRITE_ROUTES) {
    for (const role of ROLES) {
      for (const side of ["own", "other"] as const) {
        const allowed = route.allowed(role, side);
        const expected = route.name === "organisation creation" ? 401 : allowed ? 202 : 403;
        it(`${route.name} by the ${side} ${role}: ${expected}`, async function () {
          const f = await fixture();
          const outboxBefore = (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;
          const certificationsBefore = (h.db.prepare(`SELECT count(*) AS n FROM certification_outbox`).get() as { n: number }).n;
          const { status, body } = await route.call(h, orgs[role][side].apiKey, f);
          expect(status, JSON.stringify(body)).to.equal(expected);
          const outboxAfter = (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;
          const certificationsAfter = (h.db.prepare(`SELECT count(*) AS n FROM certification_outbox`).get() as { n: number }).n;
          const written = outboxAfter - outboxBefore + certificationsAfter - certificationsBefore;
          expect(written).to.equal(expected === 202 ? 1 : 0);
        });
      }
    }
  }

  it("records what was allowed, on chain, signed by the organisation that wrote it", async function () {
    await h.settle();
    const failed = h.db.prepare(`SELECT id, error FROM outbox WHERE status = 'failed'`).all();
    expect(failed).to.deep.equal([]);
    const failedCertifications = h.db.prepare(`SELECT id, error FROM certification_outbox WHERE status = 'failed'`).all();
    expect(failedCertifications).to.deep.equal([]);
  });
});
