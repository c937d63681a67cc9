/**
 * member create: a console member of an organisation, or of the programme office. The password
 * never travels as an argument (it would sit in the shell's history and in `ps`): it comes from
 * PROVENANCE_PASSWORD, or is asked for twice, without echo, on a terminal; the gateway refuses a
 * guessable one and says why.
 * member unlock: clears a member's failed-login counts, so that they may log in at once.
 * member list / reset-password / disable / enable / remove: an admin's work on members (the
 * admin token). member change-password: a member's own, with its current password (no token).
 */
import { requiredOption, stringOption, type Command, type CommandContext } from "./command";
import { EXIT, UsageError } from "./failures";
import { adminToken } from "./credentials";

export const memberCreate: Command = {
  words: ["member", "create"],
  summary: "create a console member of an organisation or of the programme office",
  usage: `member create --org ORG_ID --username USER [--display-name NAME] [--admin]
member create --programme --username USER [--display-name NAME] [--admin]
  --org ORG_ID         the organisation's id (org create prints it)
  --programme          a member of the programme office instead
  --username USER      3 to 40 letters, digits, dots, dashes or underscores
  --display-name NAME  the name the console shows
  --admin              may manage the organisation's members in the console; of the programme
                       office: also creates organisations (/console/admin)
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

/** The id of the member with this username (the admin token's lookup). */
async function memberIdOf({ gateway }: CommandContext, token: string, username: string): Promise<string> {
  const { body } = await gateway.call("GET", `/api/v1/members?username=${encodeURIComponent(username)}`, { token });
  return body.id as string;
}

const TOKEN_NOTE = "  needs the admin token: ADMIN_TOKEN, or data/admin-token (DATA_DIR)";

export const memberList: Command = {
  words: ["member", "list"],
  summary: "list an organisation's console members",
  usage: `member list --org ORG_ID
  --org ORG_ID         the organisation's id
${TOKEN_NOTE}`,
  options: { org: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run({ values, env, gateway }) {
    const orgId = requiredOption(values, "org");
    const { body } = await gateway.call("GET", `/api/v1/orgs/${encodeURIComponent(orgId)}/members`, { token: adminToken(env) });
    const members = body.members as Array<{ username: string; displayName: string; isAdmin: boolean; disabled: boolean; id: string }>;
    const lines = members.map((m) => `${m.username}  ${m.displayName}${m.isAdmin ? "  admin" : ""}${m.disabled ? "  DISABLED" : ""}  ${m.id}`);
    return { exitCode: EXIT.done, json: body, text: lines.join("\n") || "no members" };
  },
};

export const memberResetPassword: Command = {
  words: ["member", "reset-password"],
  summary: "set a console member's password (the member's sessions end)",
  usage: `member reset-password --username USER
  --username USER      the member's username
  the new password: PROVENANCE_PASSWORD, or asked for on the terminal (never an argument)
${TOKEN_NOTE}`,
  options: { username: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const username = requiredOption(context.values, "username");
    const token = adminToken(context.env);
    const id = await memberIdOf(context, token, username);
    const password = await passwordOf(context, username);
    const { body } = await context.gateway.call("POST", `/api/v1/members/${encodeURIComponent(id)}/password`, { token, json: { password } });
    return { exitCode: EXIT.done, json: body, text: `set a new password for console member ${body.username}\n  id: ${body.id}` };
  },
};

/** disable, enable, remove: one POST on the member found by username. */
function memberAction(word: "disable" | "enable" | "remove", summary: string, done: string): Command {
  return {
    words: ["member", word],
    summary,
    usage: `member ${word} --username USER
  --username USER      the member's username
${TOKEN_NOTE}`,
    options: { username: { type: "string" } },
    positionals: { min: 0, max: 0 },
    async run(context) {
      const username = requiredOption(context.values, "username");
      const token = adminToken(context.env);
      const id = await memberIdOf(context, token, username);
      const { body } = await context.gateway.call("POST", `/api/v1/members/${encodeURIComponent(id)}/${word}`, { token });
      return { exitCode: EXIT.done, json: body, text: `${done} console member ${body.username}\n  id: ${body.id}` };
    },
  };
}

export const memberDisable = memberAction("disable", "disable a console member: it may not log in until enabled (its sessions end)", "disabled");
export const memberEnable = memberAction("enable", "re-enable a disabled console member", "enabled");
export const memberRemove = memberAction("remove", "remove a console member", "removed");

export const memberChangePassword: Command = {
  words: ["member", "change-password"],
  summary: "change your own console password (your sessions end)",
  usage: `member change-password --username USER
  --username USER      your username
  the current password: PROVENANCE_CURRENT_PASSWORD, or asked for on the terminal;
  the new one: PROVENANCE_PASSWORD, or asked for twice (never arguments)`,
  options: { username: { type: "string" } },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const username = requiredOption(context.values, "username");
    let currentPassword = context.env.PROVENANCE_CURRENT_PASSWORD;
    if (!currentPassword) {
      if (!context.terminal.askSecret) throw new UsageError("no current password: set PROVENANCE_CURRENT_PASSWORD, or run on a terminal to be asked for it");
      currentPassword = await context.terminal.askSecret(`current password for ${username}: `);
    }
    const newPassword = await passwordOf(context, username);
    const { body } = await context.gateway.call("POST", "/api/v1/members/password", { json: { username, currentPassword, newPassword } });
    return { exitCode: EXIT.done, json: body, text: `changed the password of console member ${body.username}; log in again with the new one` };
  },
};
