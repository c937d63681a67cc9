/**
 * GET /api/v1/docs: the OpenAPI document (api/openapi.ts) as a page to read, rendered here on
 * the server with no script and nothing fetched from elsewhere: the operations grouped by tag,
 * each with its method, path, summary, who may call it, its parameters, its request body's
 * schema written out as a nested list, and its responses. The JSON is at /api/v1/openapi.json.
 */
import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import { html, type SafeHtml } from "../html/html";
import { chooseLanguage, type Lang } from "../html/i18n";
import { layout } from "../html/layout";

export const API_DOCS_PATH = "/api/v1/docs";
const OPENAPI_PATH = "/api/v1/openapi.json";

const TEXT = {
  zh: {
    title: "API 文档",
    intro: "网关的 JSON API，按类别列出。机器可读的版本：",
    server: "服务地址",
    contents: "目录",
    auth: "调用权限",
    public: "公开，无需凭证",
    org: "机构的 API 密钥（Authorization: Bearer …）",
    admin: "网关的管理员令牌（Authorization: Bearer …）",
    parameters: "参数",
    name: "名称",
    where: "位置",
    required: "必填",
    schema: "格式",
    description: "说明",
    body: "请求体（application/json）",
    responses: "响应",
    yes: "是",
    no: "否",
    definitions: "定义",
    back: "返回首页",
  },
  en: {
    title: "API documentation",
    intro: "The gateway's JSON API, by tag. The machine-readable version:",
    server: "Server",
    contents: "Contents",
    auth: "Who may call",
    public: "public, no credentials",
    org: "an organisation's API key (Authorization: Bearer …)",
    admin: "the gateway's admin token (Authorization: Bearer …)",
    parameters: "Parameters",
    name: "Name",
    where: "In",
    required: "Required",
    schema: "Schema",
    description: "Description",
    body: "Request body (application/json)",
    responses: "Responses",
    yes: "yes",
    no: "no",
    definitions: "Definitions",
    back: "Front page",
  },
};

type Texts = (typeof TEXT)["zh"];

/* The parts of an OpenAPI 3.1 document this page reads (api/openapi.ts writes them). */
type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Operation {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, unknown>>;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string }>;
}
export interface OpenApiLike {
  info?: { title?: string; version?: string; description?: string };
  servers?: Array<{ url: string }>;
  paths?: Record<string, Record<string, Operation>>;
}

/** The page, rendered once per language (the document is fixed while the gateway runs). */
export function apiDocsRoute(document: () => object): RequestHandler {
  const pages = new Map<Lang, { body: string; etag: string }>();
  let doc: OpenApiLike | undefined; // made on the first request, not at start: it takes a while
  return (req, res) => {
    const lang = chooseLanguage(req.query.lang, req.get("Accept-Language"));
    let page = pages.get(lang);
    if (!page) {
      doc ??= document() as OpenApiLike;
      const body = renderApiDocs(doc, lang);
      page = { body, etag: `W/"${createHash("sha1").update(body).digest("base64url")}"` };
      pages.set(lang, page);
    }
    res.set({ ETag: page.etag, "Cache-Control": "public, max-age=300", Vary: "Accept-Language" });
    if (req.get("If-None-Match") === page.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).type("html").send(page.body);
  };
}

export function renderApiDocs(doc: OpenApiLike, lang: Lang): string {
  const t = TEXT[lang];
  const byTag = new Map<string, Array<{ method: string; path: string; op: Operation }>>();
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const tags = [...byTag.keys()].sort();
  const body = html`<main class="api-docs">
<h1>${t.title}</h1>
<p>${doc.info?.title ?? ""} ${doc.info?.version ? html`· v${doc.info.version}` : null}</p>
${doc.info?.description ? html`<p>${doc.info.description}</p>` : null}
<p>${t.intro} <a href="${OPENAPI_PATH}"><code>${OPENAPI_PATH}</code></a></p>
${doc.servers?.length ? html`<p>${t.server}: ${doc.servers.map((server) => html`<code>${server.url}</code> `)}</p>` : null}
<nav class="card" aria-labelledby="contents-heading">
<h2 id="contents-heading">${t.contents}</h2>
<ul>${tags.map((tag) => html`<li><a href="#${anchor("tag", tag)}">${tag}</a> (${byTag.get(tag)!.length})</li>`)}</ul>
</nav>
${tags.map(
  (tag) => html`<section aria-labelledby="${anchor("tag", tag)}">
<h2 id="${anchor("tag", tag)}">${tag}</h2>
${byTag.get(tag)!.map(({ method, path, op }) => operation(t, method, path, op))}
</section>`,
)}
<p><a href="/">${t.back}</a></p>
</main>`;
  return layout({ lang, title: t.title, path: API_DOCS_PATH, body });
}

function operation(t: Texts, method: string, path: string, op: Operation): SafeHtml {
  const id = anchor("op", `${method} ${path}`);
  const scheme = op.security?.[0] ? Object.keys(op.security[0])[0] : undefined;
  const auth = scheme === undefined ? t.public : scheme === "adminToken" ? t.admin : t.org;
  const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
  return html`<section class="card operation" id="${id}" aria-labelledby="${id}-heading">
<h3 id="${id}-heading"><code>${method.toUpperCase()}</code> <code>${path}</code></h3>
${op.summary ? html`<p>${op.summary}</p>` : null}
<p><strong>${t.auth}:</strong> ${auth}</p>
${op.parameters?.length ? parameters(t, op.parameters) : null}
${bodySchema ? html`<h4>${t.body}</h4>${schemaBlock(t, bodySchema)}` : null}
<h4>${t.responses}</h4>
<ul>${Object.entries(op.responses ?? {}).map(([status, response]) => html`<li><code>${status}</code> ${response.description ?? ""}</li>`)}</ul>
</section>`;
}

function parameters(t: Texts, list: Parameter[]): SafeHtml {
  return html`<h4>${t.parameters}</h4>
<div class="table-scroll"><table class="data stack">
<thead><tr><th scope="col">${t.name}</th><th scope="col">${t.where}</th><th scope="col">${t.required}</th><th scope="col">${t.schema}</th><th scope="col">${t.description}</th></tr></thead>
<tbody>${list.map(
    (p) =>
      html`<tr><td data-label="${t.name}"><code>${p.name}</code></td><td data-label="${t.where}">${p.in}</td><td data-label="${t.required}">${p.required ? t.yes : t.no}</td><td data-label="${t.schema}">${p.schema ? typeLabel(p.schema) : ""}</td><td data-label="${t.description}">${p.description ?? ""}</td></tr>`,
  )}</tbody>
</table></div>`;
}

/** A request body's schema, with its definitions ($defs) after it. */
function schemaBlock(t: Texts, schema: Schema): SafeHtml {
  const defs = (schema.$defs ?? schema.definitions) as Record<string, Schema> | undefined;
  return html`<div class="schema">${schemaTree(schema, 0)}</div>
${defs ? html`<h4>${t.definitions}</h4>${Object.entries(defs).map(([name, def]) => html`<div class="schema" id="${anchor("def", name)}"><p><code>${name}</code>: ${typeLabel(def)}</p>${schemaTree(def, 0)}</div>`)}` : null}`;
}

/** The schema's members (an object's properties, an array's items, the options of a union), nested. */
function schemaTree(schema: Schema, depth: number): SafeHtml | null {
  if (depth > 8) return null;
  const options = (schema.anyOf ?? schema.oneOf ?? schema.allOf) as Schema[] | undefined;
  if (options) {
    const expandable = options.filter((option) => members(option));
    if (expandable.length === 0) return null;
    return html`<ol>${expandable.map((option) => html`<li>${typeLabel(option)}${schemaTree(option, depth + 1)}</li>`)}</ol>`;
  }
  if (schema.type === "array" && schema.items && typeof schema.items === "object") return members(schema.items as Schema) ? schemaTree(schema.items as Schema, depth + 1) : null;
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties) return null;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return html`<ul>${Object.entries(properties).map(
    ([name, property]) =>
      html`<li><code>${name}</code>${required.has(name) ? html` <strong class="req" title="required">*</strong>` : null} ${typeLabel(property)}${property.description ? html` — ${String(property.description)}` : null}${schemaTree(property, depth + 1)}</li>`,
  )}</ul>`;
}

/** Whether a schema has members to list below its one-line label. */
function members(schema: Schema): boolean {
  if (schema.properties) return true;
  if (schema.type === "array" && schema.items && typeof schema.items === "object") return members(schema.items as Schema);
  const options = (schema.anyOf ?? schema.oneOf ?? schema.allOf) as Schema[] | undefined;
  return options?.some(members) ?? false;
}

/** One line: the type and its constraints ("string, pattern ^…$, 1–20 characters"). */
export function typeLabel(schema: Schema): string {
  if (typeof schema.$ref === "string") return `→ ${schema.$ref.split("/").pop()}`;
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((value) => JSON.stringify(value)).join(", ")}`;
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options) return options.map(typeLabel).join(" | ");
  if (Array.isArray(schema.allOf)) return (schema.allOf as Schema[]).map(typeLabel).join(" & ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : typeof schema.type === "string" ? schema.type : "any";
  const notes: string[] = [];
  if (type === "array" && schema.items && typeof schema.items === "object") notes.push(`of ${typeLabel(schema.items as Schema)}`);
  if (typeof schema.format === "string") notes.push(`format ${schema.format}`);
  if (typeof schema.pattern === "string") notes.push(`pattern ${schema.pattern}`);
  const range = (min: unknown, max: unknown, unit: string) => {
    if (typeof min === "number" && typeof max === "number") notes.push(`${min}–${max}${unit}`);
    else if (typeof min === "number") notes.push(`≥ ${min}${unit}`);
    else if (typeof max === "number") notes.push(`≤ ${max}${unit}`);
  };
  range(schema.minLength, schema.maxLength, " characters");
  range(schema.minItems, schema.maxItems, " items");
  range(schema.minimum, schema.maximum, "");
  if (typeof schema.exclusiveMinimum === "number") notes.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === "number") notes.push(`< ${schema.exclusiveMaximum}`);
  if ("default" in schema) notes.push(`default ${JSON.stringify(schema.default)}`);
  return notes.length ? `${type}, ${notes.join(", ")}` : type;
}

function anchor(kind: string, name: string): string {
  return `${kind}-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}
