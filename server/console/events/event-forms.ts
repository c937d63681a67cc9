/**
 * The forms of the events that move produce — shipment, receipt, sale — each as its fields and
 * the API body they make. Bodies are validated with the API's own schemas, so a form and an API
 * client are held to the same rules; the zod paths of the body (and the rules' field names) are
 * renamed to the form's flat field names so each problem shows beside its field. A correction
 * that supersedes one of these events uses the same fields (correction-routes.ts).
 */
import type { z } from "zod";
import { receiptBody, saleBody, shipmentBody, type EventBody } from "../../domain/request-shapes";
import { ROLES_FOR_KIND, roleMayRecord } from "../../domain/event-kinds";
import type { Org } from "../../store/org-repository";
import { orgLabel } from "../../services/org-service";
import { html, type SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { EVENT_WORDS } from "./event-messages";
import { chinaLocalValue, chinaTime, field, number, text, type FieldErrors } from "../forms";
import { COMMON } from "../messages";
import { unitOptions } from "../units";

/** In the order work happens: a batch is received, then shipped on or sold. */
export const CONSOLE_EVENT_TYPES = ["receipt", "shipment", "sale"] as const;
export type ConsoleEventType = (typeof CONSOLE_EVENT_TYPES)[number];

export function isConsoleEventType(value: unknown): value is ConsoleEventType {
  return CONSOLE_EVENT_TYPES.includes(value as ConsoleEventType);
}

/** The event types an organisation of this role records here, by the ledger's role rules (the first is its usual one). */
export function eventTypesFor(role: string): ConsoleEventType[] {
  return CONSOLE_EVENT_TYPES.filter((type) => (ROLES_FOR_KIND[type] as readonly string[]).includes(role));
}

/** Roles that have at least one of these forms. */
export const EVENT_FORM_ROLES = [...new Set(CONSOLE_EVENT_TYPES.flatMap((type) => ROLES_FOR_KIND[type]))];

/** A form's posted values, as text (what the form shows again when it comes back with errors). */
export type FormValues = Record<string, string | undefined>;

export interface Option {
  value: string;
  label: string;
}

/** The choices a form offers besides its fixed lists: organisations, and the price confirmation. */
export interface FormChoices {
  /**
   * Organisations a shipment may go to: those that may record a receipt (packing houses,
   * carriers — which take a batch over by receiving it — and counters), never the writer.
   */
  consignees: Option[];
  /** Show the "I confirm this price" box: the service asked for it, or it was ticked. */
  confirmPrice: boolean;
}

interface EventForm {
  schema: z.ZodType<EventBody>;
  /** The field holding the event's time: prefilled with the current time. */
  timeField: string;
  /** The API body the form's values make; empty fields are left out. */
  body(values: FormValues): Record<string, unknown>;
  /** The form's values that show an event's detail again (a correction starts from them). */
  values(detail: Record<string, unknown>): FormValues;
  /** Zod paths of the body, and the rules' field names → the form's field names. */
  rename: Record<string, string>;
  /** Every field the form shows (a refusal naming another goes to the top of the form). */
  shown: readonly string[];
  fields(values: FormValues, errors: FieldErrors, lang: Lang, choices: FormChoices): SafeHtml[];
}

const QUANTITY_RENAME = { "quantity.amount": "quantityAmount", "quantity.unit": "quantityUnit", quantity: "quantityAmount" };

export const EVENT_FORMS: Record<ConsoleEventType, EventForm> = {
  shipment: {
    schema: shipmentBody,
    timeField: "shippedAt",
    body: (v) => {
      const min = number(v.temperatureMin);
      const max = number(v.temperatureMax);
      const amount = number(v.quantityAmount);
      return withoutEmpty({
        type: "shipment",
        consignee: text(v.consignee),
        // No amount: all the writer holds (the ledger states how much in the shipment's detail).
        quantity: amount === undefined ? undefined : withoutEmpty({ amount, unit: text(v.quantityUnit) }),
        from: text(v.from),
        to: text(v.to),
        vehicle: text(v.vehicle),
        temperature: min === undefined && max === undefined ? undefined : withoutEmpty({ min, max }),
        shippedAt: chinaTime(v.shippedAt),
        notes: text(v.notes),
      });
    },
    values: (d) => {
      const quantity = d.quantity as { amount?: number; unit?: string } | undefined;
      const range = d.temperature as { min?: number; max?: number } | undefined;
      return {
        consignee: idIn(d.consignee),
        quantityAmount: stringOf(quantity?.amount),
        quantityUnit: quantity?.unit,
        from: stringOf(d.from),
        to: stringOf(d.to),
        vehicle: stringOf(d.vehicle),
        temperatureMin: stringOf(range?.min),
        temperatureMax: stringOf(range?.max),
        shippedAt: chinaLocalValue(d.shippedAt),
        notes: stringOf(d.notes),
      };
    },
    rename: { ...QUANTITY_RENAME, "temperature.min": "temperatureMin", "temperature.max": "temperatureMax", temperature: "temperatureMin" },
    shown: ["consignee", "quantityAmount", "quantityUnit", "from", "to", "vehicle", "temperatureMin", "temperatureMax", "shippedAt", "notes"],
    fields: (v, e, lang, choices) => {
      const t = EVENT_WORDS[lang];
      return [
        field({ name: "consignee", label: t.consignee, type: "select", options: choices.consignees, value: v.consignee, error: e.consignee ?? (choices.consignees.length ? undefined : t.noConsignees), hint: t.consigneeHint, required: true }),
        pair(
          field({ name: "quantityAmount", label: t.shipQuantity, type: "number", step: "any", min: "0", value: v.quantityAmount, error: e.quantityAmount, hint: t.shipQuantityHint }),
          field({ name: "quantityUnit", label: t.quantityUnit, type: "select", options: unitOptions(lang), value: v.quantityUnit, error: e.quantityUnit }),
        ),
        field({ name: "from", label: t.from, value: v.from, error: e.from, required: true, maxLength: 200 }),
        field({ name: "to", label: t.to, value: v.to, error: e.to, required: true, maxLength: 200 }),
        field({ name: "vehicle", label: t.vehicle, value: v.vehicle, error: e.vehicle, hint: t.vehicleHint, maxLength: 50 }),
        field({ name: "temperatureMin", label: t.temperatureMin, type: "number", step: "0.1", min: "-60", max: "60", value: v.temperatureMin, error: e.temperatureMin, hint: t.temperatureHint }),
        field({ name: "temperatureMax", label: t.temperatureMax, type: "number", step: "0.1", min: "-60", max: "60", value: v.temperatureMax, error: e.temperatureMax }),
        field({ name: "shippedAt", label: t.shippedAt, type: "datetime-local", value: v.shippedAt, error: e.shippedAt, required: true }),
        field({ name: "notes", label: t.notes, type: "textarea", value: v.notes, error: e.notes, maxLength: 2000 }),
      ];
    },
  },
  receipt: {
    schema: receiptBody,
    timeField: "receivedAt",
    body: (v) =>
      withoutEmpty({ type: "receipt", location: text(v.location), receivedAt: chinaTime(v.receivedAt), condition: text(v.condition) }),
    values: (d) => ({ location: stringOf(d.location), receivedAt: chinaLocalValue(d.receivedAt), condition: stringOf(d.condition) }),
    rename: {},
    shown: ["location", "receivedAt", "condition"],
    fields: (v, e, lang) => {
      const t = EVENT_WORDS[lang];
      return [
        field({ name: "location", label: t.location, value: v.location, error: e.location, required: true, maxLength: 200 }),
        field({ name: "receivedAt", label: t.receivedAt, type: "datetime-local", value: v.receivedAt, error: e.receivedAt, required: true }),
        field({ name: "condition", label: t.condition, type: "textarea", value: v.condition, error: e.condition, hint: t.conditionHint, maxLength: 500 }),
      ];
    },
  },
  sale: {
    schema: saleBody,
    timeField: "soldAt",
    body: (v) =>
      withoutEmpty({
        type: "sale",
        quantity: withoutEmpty({ amount: number(v.quantityAmount), unit: text(v.quantityUnit) }),
        amountCny: number(v.amountCny),
        channel: text(v.channel),
        soldAt: chinaTime(v.soldAt),
        priceConfirmed: v.priceConfirmed === "1" ? true : undefined,
      }),
    values: (d) => {
      const quantity = d.quantity as { amount?: number; unit?: string } | undefined;
      return {
        quantityAmount: stringOf(quantity?.amount),
        quantityUnit: quantity?.unit,
        amountCny: stringOf(d.amountCny),
        channel: stringOf(d.channel),
        soldAt: chinaLocalValue(d.soldAt),
      };
    },
    rename: { ...QUANTITY_RENAME },
    shown: ["quantityAmount", "quantityUnit", "amountCny", "priceConfirmed", "channel", "soldAt"],
    fields: (v, e, lang, choices) => {
      const t = EVENT_WORDS[lang];
      return [
        field({ name: "quantityAmount", label: t.quantityAmount, type: "number", step: "any", min: "0", value: v.quantityAmount, error: e.quantityAmount, required: true }),
        field({ name: "quantityUnit", label: t.quantityUnit, type: "select", options: unitOptions(lang), value: v.quantityUnit, error: e.quantityUnit, required: true }),
        field({ name: "amountCny", label: t.amountCny, type: "number", step: "0.01", min: "0", value: v.amountCny, error: e.amountCny, hint: t.amountHint, required: true }),
        // Asked for by the service (¥0, or far from the batch's usual price), beside the amount.
        choices.confirmPrice ? field({ name: "priceConfirmed", label: t.priceConfirmed, type: "checkbox", checked: v.priceConfirmed === "1" }) : null,
        field({ name: "channel", label: t.channel, type: "select", options: labelled(CHANNELS, t.channels), value: v.channel, error: e.channel, required: true }),
        field({ name: "soldAt", label: t.soldAt, type: "datetime-local", value: v.soldAt, error: e.soldAt, required: true }),
      ].filter((part): part is SafeHtml => part !== null);
    },
  },
};

/** Every field name the forms post, so exactly these are read back from a request. */
export const EVENT_FORM_FIELDS = [
  "consignee", "from", "to", "vehicle", "temperatureMin", "temperatureMax", "shippedAt", "notes",
  "location", "receivedAt", "condition",
  "quantityAmount", "quantityUnit", "amountCny", "priceConfirmed", "channel", "soldAt",
] as const;

/** The posted values of the form fields, as text. */
export function formValuesOf(body: Record<string, unknown>): FormValues {
  return Object.fromEntries(EVENT_FORM_FIELDS.map((name) => [name, typeof body[name] === "string" ? body[name] : undefined])) as FormValues;
}

// The choices come from the API's schemas; the words only label them (units: ../units.ts).
const CHANNELS = saleBody.shape.channel.options;

function labelled(values: readonly string[], labels: Record<string, string>): Option[] {
  return values.map((value) => ({ value, label: labels[value] ?? value }));
}

/** Two fields side by side (an amount and its unit). */
function pair(left: SafeHtml, right: SafeHtml): SafeHtml {
  return html`<div class="field-pair">${left}${right}</div>`;
}

/** An organisation as a picker shows it: its name and its role, in the member's words. */
function orgOption(org: Org, lang: Lang): Option {
  const role = COMMON[lang].roles[org.role] ?? org.role;
  // Two organisations may share a name when their credit codes differ: the code tells them apart.
  const name = orgLabel(org);
  return { value: org.id, label: lang === "zh" ? `${name}（${role}）` : `${name} (${role})` };
}

/**
 * The organisations `writer` may pick on its forms: the consignees, those that may record a
 * receipt (a carrier among them: it takes a batch over by receiving it).
 */
export function choicesFor(orgs: readonly Org[], writer: Org, lang: Lang, confirmPrice = false): FormChoices {
  const others = orgs.filter((org) => org.id !== writer.id);
  return {
    consignees: others.filter((org) => roleMayRecord(org.role, "receipt")).map((org) => orgOption(org, lang)),
    confirmPrice,
  };
}

/** The object without its undefined members, so an empty optional field stays absent. */
export function withoutEmpty(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

function idIn(value: unknown): string | undefined {
  const id = (value as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}
