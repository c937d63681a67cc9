/** org create: an organisation with a role, through the admin token. */
import { ROLE_NAMES } from "../domain/event-kinds";
import { requiredOption, stringOption, type Command } from "./command";
import { EXIT } from "./failures";
import { adminToken } from "./credentials";

export const orgCreate: Command = {
  words: ["org", "create"],
  summary: "create an organisation; prints its API key once",
  usage: `org create --name NAME --role ROLE [--address 0x…]
  --name NAME          the organisation's name
  --role ROLE          ${ROLE_NAMES.join(", ")}
  --address 0x…        its own signing address; without it the gateway keeps a key for it
  needs the admin token: ADMIN_TOKEN, or data/admin-token (DATA_DIR)`,
  options: { name: { type: "string" }, role: { type: "string" }, address: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, gateway }) {
    const name = requiredOption(values, "name");
    const role = requiredOption(values, "role");
    const address = stringOption(values, "address");
    const { body } = await gateway.call("POST", "/api/v1/orgs", {
      token: adminToken(env),
      json: { name, role, ...(address ? { address } : {}) },
    });
    return {
      exitCode: EXIT.done,
      json: body,
      text: [
        `created organisation ${body.name} (${body.role})`,
        `  id:       ${body.id}`,
        `  address:  ${body.address} (${body.custodial ? "key kept by the gateway" : "signs with its own key"})`,
        `  API key:  ${body.apiKey}   ← shown once; store it now`,
      ].join("\n"),
    };
  },
};
