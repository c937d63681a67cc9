import { expect } from "chai";
import { startHarness, type Harness } from "../helpers/gateway-harness";
import * as payload from "../../scripts/lib/payloads";

type Org = { id: string; address: string; apiKey: string };
const ROLES = ["producer", "processor", "certifier", "carrier", "retailer"] as const;
type Role = (typeof ROLES)[number];
/**
 * "own": the organisation of the role that the batch's journey puts in place for the write (the
 * batch's creator or holder, the consignee of a shipment, the writer of the event corrected, the
 * certifier that attested); "other": another organisation of the same role.
 */
type Side = "own" | "other";
type Orgs = Record<Role, Record<Side, Org>>;

interface Fixture {
  batch: string;
  certification: string;
  producer: Org;
  unique: string;
  /** The event a correction by the own organisation of the role would correct. */
  corrects: string;
}

interface WriteRoute {
  name: string;
  /**
   * What the write answers: 403 when the role may not make it at all (checked before the
   * body), 409 when the role may but the ledger's custody rules refuse this organisation, 202.
   */
  expected(role: Role, side: Side): number;
  /** Writes that put the batch where the own organisation of `role` needs it (not measured). */
  prepare?(journey: Journey, role: Role, f: Fixture): Promise<string | void>;
  call(h: Harness, key: string, f: Fixture, orgs: Orgs): ReturnType<Harness["call"]>;
}

/** Writes of the fixture's journey, each of which must be accepted; answers the event id. */
type Journey = (by: Org, body: unknown) => Promise<string>;

const own = (side: Side) => side === "own";
/** Allowed for these roles: the own organisation 202; another of the role 409 (the custody is not its). */
const custody = (roles: readonly Role[]) => (role: Role, side: Side) => (!roles.includes(role) ? 403 : own(side) ? 202 : 409);

const WRITE_ROUTES = (orgs: () => Orgs): WriteRoute[] => {
  /** The cooperative ships its batch to the own carrier, which receives it: it holds the batch now; answers the receipt. */
  const toCarrier = async (journey: Journey) => {
    await journey(orgs().producer.own, payload.shipment(orgs().carrier.own.id, { shippedAt: "2026-06-01T12:00:00+08:00" }));
    return journey(orgs().carrier.own, { ...payload.receipt, location: "承运方中转仓", receivedAt: "2026-06-01T13:00:00+08:00" });
  };
  /** The own carrier, once it holds the batch, ships it on to `to`; answers the shipment. */
  const onward = async (journey: Journey, to: Org) => {
    await toCarrier(journey);
    return journey(orgs().carrier.own, payload.shipment(to.id, { shippedAt: "2026-06-01T14:00:00+08:00" }));
  };
  /** The cooperative's batch goes through the own carrier to `to`, which receives it; answers the receipt. */
  const deliver = async (journey: Journey, to: Org) => {
    await onward(journey, to);
    return journey(to, { ...payload.receipt, receivedAt: "2026-06-01T16:00:00+08:00" });
  };
  /** Brings the batch to the own organisation of the role, if the role can hold produce. */
  const holdBy = async (journey: Journey, role: Role) => {
    if (role === "processor" || role === "retailer") await deliver(journey, orgs()[role].own);
    if (role === "carrier") await toCarrier(journey);
  };
  const event = (body: unknown) => (h: Harness, key: string, f: Fixture) => h.call("POST", `/api/v1/batches/${f.batch}/events`, { token: key, body });
  return [
    {
      name: "harvest",
      expected: (role) => (role === "producer" ? 202 : 403),
      call: (h, key, f) => h.call("POST", "/api/v1/batches", { token: key, body: payload.harvest(f.unique) }),
    },
    {
      name: "processing",
      expected: custody(["producer", "processor"]),
      prepare: holdBy,
      call: event(payload.packing),
    },
    {
      // To a packing house that holds none of it; a carrier ships only what it has received.
      name: "shipment",
      expected: custody(["producer", "processor", "carrier", "retailer"]),
      prepare: holdBy,
      call: (h, key, f, o) => event(payload.shipment(o.processor.other.id))(h, key, f),
    },
    {
      name: "receipt",
      expected: custody(["processor", "carrier", "retailer"]),
      prepare: async (journey, role) => {
        if (role === "processor" || role === "retailer") await onward(journey, orgs()[role].own);
        if (role === "carrier") await journey(orgs().producer.own, payload.shipment(orgs().carrier.own.id));
      },
      call: event(payload.receipt),
    },
    {
      name: "sale",
      expected: custody(["retailer"]),
      prepare: holdBy,
      call: event(payload.sale),
    },
    {
      name: "recall",
      expected: (role, side) => (role === "producer" && own(side) ? 202 : 403),
      call: event(payload.recall),
    },
    {
      // Voids an event the own organisation of the role recorded: the harvest, its receipt, the carrier's shipment on.
      name: "correction",
      expected: custody(["producer", "processor", "carrier", "retailer"]),
      prepare: async (journey, role, f) => {
        if (role === "processor" || role === "retailer") return deliver(journey, orgs()[role].own);
        if (role === "carrier") return onward(journey, orgs().retailer.own);
        return f.corrects;
      },
      call: (h, key, f) => event({ type: "correction", corrects: f.corrects, declaration: "void", reason: "录入错误" })(h, key, f),
    },
    {
      name: "batch certification",
      expected: (role) => (role === "certifier" ? 202 : 403),
      call: (h, key, f) => h.call("POST", `/api/v1/batches/${f.batch}/certifications`, { token: key, body: payload.certification(f.unique) }),
    },
    {
      name: "product-line certification",
      expected: (role) => (role === "certifier" ? 202 : 403),
      call: (h, key, f) =>
        h.call("POST", "/api/v1/certifications", {
          token: key,
          body: { ...payload.certification(f.unique), producer: f.producer.id, gtin: payload.MANGO_GTIN },
        }),
    },
    {
      name: "revocation",
      expected: (role, side) => (role === "certifier" && own(side) ? 202 : 403),
      call: (h, key, f) => h.call("POST", `/api/v1/certifications/${f.certification}/revoke`, { token: key, body: { reason: "复检不合格" } }),
    },
    {
      name: "organisation creation",
      expected: () => 401,
      call: (h, key) => h.call("POST", "/api/v1/orgs", { token: key, body: { name: "x", role: "producer" } }),
    },
  ];
};

describe("gateway API: authorisation matrix (every write route × role × own/other organisation, on journeys the ledger accepts)", function () {
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

  /**
   * A fresh batch of producer A, attested by certifier A, then brought where the route needs it
   * for the own organisation of the role, so that every case starts alike.
   */
  async function fixture(route: WriteRoute, role: Role): Promise<Fixture> {
    const unique = `AUTH-${++counter}`;
    const harvest = await h.call("POST", "/api/v1/batches", { token: orgs.producer.own.apiKey, body: payload.harvest(`B-${unique}`) });
    const certification = await h.call("POST", `/api/v1/batches/${harvest.body.batchId}/certifications`, {
      token: orgs.certifier.own.apiKey,
      body: payload.certification(`C-${unique}`),
    });
    const f: Fixture = { batch: harvest.body.batchId, certification: certification.body.certificationId, producer: orgs.producer.own, unique, corrects: harvest.body.eventId };
    const journey: Journey = async (by, body) => {
      const { status, body: answer } = await h.call("POST", `/api/v1/batches/${f.batch}/events`, { token: by.apiKey, body });
      expect(status, `fixture: ${JSON.stringify(answer)}`).to.equal(202);
      return answer.eventId;
    };
    const corrects = await route.prepare?.(journey, role, f);
    return { ...f, corrects: corrects ?? f.corrects };
  }

  for (const route of WRITE_ROUTES(() => orgs)) {
    for (const role of ROLES) {
      for (const side of ["own", "other"] as const) {
        const expected = route.expected(role, side);
        it(`${route.name} by the ${side} ${role}: ${expected}`, async function () {
          const f = await fixture(route, role);
          const outboxBefore = (h.db.prepare(`SELECT count(*) AS n FROM outbox`).get() as { n: number }).n;
          const certificationsBefore = (h.db.prepare(`SELECT count(*) AS n FROM certification_outbox`).get() as { n: number }).n;
          const { status, body } = await route.call(h, orgs[role][side].apiKey, f, orgs);
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
