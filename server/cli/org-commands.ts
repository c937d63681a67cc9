/**
 * org create: an organisation with a role (and its 统一社会信用代码 and contact details).
 * org list: every organisation with its details. org keys / rotate-key / revoke-key: an
 * organisation's API keys listed, replaced by a new one (shown once; every other stops working),
 * or revoked one by one. All through the admin token.
 */
import { ROLE_NAMES } from "../domain/event-kinds";
import { requiredOption, stringOption, type Command } from "./command";
import { EXIT } from "./failures";
import { adminToken } from "./credentials";

const TOKEN_NOTE = "  needs the admin token: ADMIN_TOKEN, or data/admin-token (DATA_DIR)";

export const orgCreate: Command = {
  words: ["org", "create"],
  summary: "create an organisation; prints its API key once",
  usage: `org create --name NAME --role ROLE [--address 0x…] [--credit-code CODE] [--contact-person P] [--contact-phone T] [--postal-address A]
  --name NAME          the organisation's name (unique, unless both share it with credit codes)
  --role ROLE          ${ROLE_NAMES.join(", ")}
  --address 0x…        its own signing address; without it the gateway keeps a key for it
  --credit-code CODE   统一社会信用代码: 18 characters with a check character (GB 32100-2015)
  --contact-person P   its contact person
  --contact-phone T    its contact phone
  --postal-address A   its postal address
${TOKEN_NOTE}`,
  options: {
    name: { type: "string" },
    role: { type: "string" },
    address: { type: "string" },
    "credit-code": { type: "string" },
    "contact-person": { type: "string" },
    "contact-phone": { type: "string" },
    "postal-address": { type: "string" },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, env, gateway }) {
    const name = requiredOption(values, "name");
    const role = requiredOption(values, "role");
    const address = stringOption(values, "address");
    const creditCode = stringOption(values, "credit-code");
    const contact = {
      ...(stringOption(values, "contact-person") ? { person: stringOption(values, "contact-person") } : {}),
      ...(stringOption(values, "contact-phone") ? { phone: stringOption(values, "contact-phone") } : {}),
      ...(stringOption(values, "postal-address") ? { address: stringOption(values, "postal-address") } : {}),
    };
    const { body } = await gateway.call("POST", "/api/v1/orgs", {
      token: adminToken(env),
      json: { name, role, ...(address ? { address } : {}), ...(creditCode ? { creditCode } : {}), ...(Object.keys(contact).length ? { contact } : {}) },
    });
    return {
      exitCode: EXIT.done,
      json: body,
      text: [
        `created organisation ${body.name} (${body.role})`,
        `  id:       ${body.id}`,
        ...(body.creditCode ? [`  credit code: ${body.creditCode}`] : []),
        `  address:  ${body.address} (${body.custodial ? "key kept by the gateway" : "signs with its own key"})`,
        `  API key:  ${body.apiKey}   ← shown once; store it now`,
      ].join("\n"),
    };
  },
};

export const orgList: Command = {
  words: ["org", "list"],
  summary: "list every organisation with its role, credit code and contact details",
  usage: `org list
${TOKEN_NOTE}`,
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ env, gateway }) {
    const { body } = await gateway.call("GET", "/api/v1/orgs", { token: adminToken(env) });
    const orgs = body.orgs as Array<Record<string, string | undefined>>;
    const lines = orgs.map((org) =>
      [
        `${org.name}${org.creditCode ? `（${org.creditCode}）` : ""}  ${org.role}  ${org.id}`,
        ...(org.contactPerson || org.contactPhone || org.postalAddress
          ? [`  contact: ${[org.contactPerson, org.contactPhone, org.postalAddress].filter(Boolean).join(" · ")}`]
          : []),
      ].join("\n"),
    );
    return { exitCode: EXIT.done, json: body, text: lines.length ? lines.join("\n") : "no organisations yet" };
  },
};

export const orgKeys: Command = {
  words: ["org", "keys"],
  summary: "list an organisation's API keys (ids and dates, never the keys)",
  usage: `org keys --org ORG_ID
  --org ORG_ID         the organisation's id (org list prints it)
${TOKEN_NOTE}`,
  options: { org: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, gateway }) {
    const orgId = requiredOption(values, "org");
    const { body } = await gateway.call("GET", `/api/v1/orgs/${encodeURIComponent(orgId)}/api-keys`, { token: adminToken(env) });
    const keys = body.keys as Array<{ id: string; createdAt: string; revokedAt: string | null }>;
    return {
      exitCode: EXIT.done,
      json: body,
      text: keys.map((key) => `${key.id}  made ${key.createdAt}${key.revokedAt ? `  revoked ${key.revokedAt}` : "  live"}`).join("\n") || "no keys",
    };
  },
};

export const orgRotateKey: Command = {
  words: ["org", "rotate-key"],
  summary: "give an organisation a new API key (printed once); every other key of it stops working",
  usage: `org rotate-key --org ORG_ID
  --org ORG_ID         the organisation's id
${TOKEN_NOTE}`,
  options: { org: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, gateway }) {
    const orgId = requiredOption(values, "org");
    const { body } = await gateway.call("POST", `/api/v1/orgs/${encodeURIComponent(orgId)}/api-keys`, { token: adminToken(env) });
    return {
      exitCode: EXIT.done,
      json: body,
      text: [`new API key ${body.id}; ${body.revoked} old key${body.revoked === 1 ? "" : "s"} revoked`, `  API key:  ${body.apiKey}   ← shown once; store it now`].join("\n"),
    };
  },
};

export const orgRevokeKey: Command = {
  words: ["org", "revoke-key"],
  summary: "revoke one API key of an organisation",
  usage: `org revoke-key --org ORG_ID --key KEY_ID
  --org ORG_ID         the organisation's id
  --key KEY_ID         the key's id (16 hex characters; org keys lists them)
${TOKEN_NOTE}`,
  options: { org: { type: "string" }, key: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, gateway }) {
    const orgId = requiredOption(values, "org");
    const keyId = requiredOption(values, "key");
    const { body } = await gateway.call("POST", `/api/v1/orgs/${encodeURIComponent(orgId)}/api-keys/${encodeURIComponent(keyId)}/revoke`, { token: adminToken(env) });
    return { exitCode: EXIT.done, json: body, text: `revoked API key ${body.id} (at ${body.revokedAt})` };
  },
};
