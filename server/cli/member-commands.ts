/**
 * member create: a console member of an organisation, or of the programme office. The password
 * never travels as an argument (it would sit in the shell's history and in `ps`): it comes from
 * PROVENANCE_PASSWORD, or is asked for twice, without echo, on a terminal; the gateway refuses a
 * guessable one and says why.
 * member unlock: clears a member's failed-login counts, so that they may log in at once.
 */
import { requiredOption, stringOption, type Command, type CommandContext } from "./command";
import { EXIT, UsageError } from "./failures";
import { adminToken } from "./credentials";

export const memberCreate: Command = {
  words: ["member", "create"],
  summary: "create a console member of an organisation or of the programme office",
  usage: `member create --org ORG_ID --username USER [--display-name NAME] [--admin]
member create --programme --username USER [--display-name NAME]
  --org ORG_ID         the organisation's id (org create prints it)
  --programme          a member of the programme office instead
  --username USER      3 to 40 letters, digits, dots, dashes or underscores
  --display-name NAME  the name the console shows
  --admin              may add the organisation's other members in the console
  the password: PROVENANCE_PASSWORD, or asked for on the terminal (never an argument);
                       10 to 200 characters, hard to guess, without the username or display name
  needs the admin token: ADMIN_TOKEN, or data/admin-token (DATA_DIR)`,
  options: {
    org: { type: "string" },
    programme: { type: "boolean" },
    username: { type: "string" },
    "display-name": { type: "string" },
    admin: { type: "boolean" },
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { values, env, gateway } = context;
    const orgId = stringOption(values, "org");
    const programme = values.programme === true;
    if (programme === (orgId !== undefined)) throw new UsageError("give either --org ORG_ID or --programme");
    if (programme && values.admin) throw new UsageError("--admin is for an organisation's members, not the programme office's");
    const username = requiredOption(values, "username");
    const displayName = stringOption(values, "display-name");
    const token = adminToken(env);
    const password = await passwordOf(context, username);
    const { body } = await gateway.call("POST", programme ? "/api/v1/programme/members" : `/api/v1/orgs/${encodeURIComponent(orgId!)}/members`, {
      token,
      json: { username, password, ...(displayName ? { displayName } : {}), ...(values.admin ? { isAdmin: true } : {}) },
    });
    const of = body.programme ? "the programme office" : `organisation ${body.orgId}`;
    return {
      exitCode: EXIT.done,
      json: body,
      text: `created console member ${body.username} of ${of}${body.isAdmin ? " (admin)" : ""}\n  id: ${body.id}`,
    };
  },
};

export const memberUnlock: Command = {
  words: ["member", "unlock"],
  summary: "clear a console member's failed logins, so that the member may log in at once",
  usage: `member unlock --username USER
  --username USER      the member's username
  the failed logins of that username from every address are forgotten, and those of the
  addresses the member has logged in from before
  needs the admin token: ADMIN_TOKEN, or data/admin-token (DATA_DIR)`,
  options: { username: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, gateway }) {
    const username = requiredOption(values, "username");
    const token = adminToken(env);
    const { body: member } = await gateway.call("GET", `/api/v1/members?username=${encodeURIComponent(username)}`, { token });
    const { body } = await gateway.call("POST", `/api/v1/members/${encodeURIComponent(member.id)}/unlock`, { token });
    return {
      exitCode: EXIT.done,
      json: body,
      text: `unlocked console member ${body.username} (${body.cleared} failed-login count${body.cleared === 1 ? "" : "s"} cleared)\n  id: ${body.id}`,
    };
  },
};

async function passwordOf({ env, terminal }: CommandContext, username: string): Promise<string> {
  if (env.PROVENANCE_PASSWORD) return env.PROVENANCE_PASSWORD;
  if (!terminal.askSecret) throw new UsageError("no password: set PROVENANCE_PASSWORD, or run on a terminal to be asked for it");
  const first = await terminal.askSecret(`password for ${username}: `);
  const again = await terminal.askSecret("the same again: ");
  if (first !== again) throw new UsageError("the two passwords differ; nothing was created");
  return first;
}
