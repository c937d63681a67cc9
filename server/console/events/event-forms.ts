/**
 * The forms of the events carriers and counters record — shipment, receipt, sale — each as its
 * fields and the API body they make. Bodies are validated with the API's own schemas, so a form
 * and an API client are held to the same rules; the zod paths of the body are renamed to the
 * form's flat field names so each problem shows beside its field.
 */
import type { z } from "zod";
import { receiptBody, saleBody, shipmentBody, type EventBody } from "../../domain/request-shapes";
import { ROLES_FOR_KIND } from "../../domain/event-kinds";
import type { SafeHtml } from "../../html/html";
import type { Lang } from "../../html/i18n";
import { EVENT_WORDS } from "./event-messages";
import { chinaTime, field, number, text, type FieldErrors } from "../forms";

export const CONSOLE_EVENT_TYPES = ["shipment", "receipt", "sale"] as const;
export type ConsoleEventType = (typeof CONSOLE_EVENT_TYPES)[number];

export function isConsoleEventType(value: unknown): value is ConsoleEventType {
  return CONSOLE_EVENT_TYPES.includes(value as ConsoleEventType);
}

/** The event types an organisation of this role records here, by the ledger's role rules. */
export function eventTypesFor(role: string): ConsoleEventType[] {
  return CONSOLE_EVENT_TYPES.filter((type) => (ROLES_FOR_KIND[type] as readonly string[]).includes(role));
}

/** Roles that have at least one of these forms. */
export const EVENT_FORM_ROLES = [...new Set(CONSOLE_EVENT_TYPES.flatMap((type) => ROLES_FOR_KIND[type]))];

/** A form's posted values, as text (what the form shows again when it comes back with errors). */
export type FormValues = Record<string, string | undefined>;

interface EventForm {
  schema: z.ZodType<EventBody>;
  /** The field holding the event's time: prefilled with the current time. */
  timeField: string;
  /** The API body the form's values make; empty fields are left out. */
  body(values: FormValues): Record<string, unknown>;
  /** Zod paths of the body → the form's field names. */
  rename: Record<string, string>;
  fields(values: FormValues, errors: FieldErrors, lang: Lang): SafeHtml[];
}

export const EVENT_FORMS: Record<ConsoleEventType, EventForm> = {
  shipment: {
    schema: shipmentBody,
    timeField: "shippedAt",
    body: (v) => {
      const min = number(v.temperatureMin);
      const max = number(v.temperatureMax);
      return withoutEmpty({
        type: "shipment",
        from: text(v.from),
        to: text(v.to),
        vehicle: text(v.vehicle),
        temperature: min === undefined && max === undefined ? undefined : withoutEmpty({ min, max }),
        shippedAt: chinaTime(v.shippedAt),
        notes: text(v.notes),
      });
    },
    rename: { "temperature.min": "temperatureMin", "temperature.max": "temperatureMax", temperature: "temperatureMin" },
    fields: (v, e, lang) => {
      const t = EVENT_WORDS[lang];
      return [
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
    rename: {},
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
      }),
    rename: { "quantity.amount": "quantityAmount", "quantity.unit": "quantityUnit", quantity: "quantityAmount" },
    fields: (v, e, lang) => {
      const t = EVENT_WORDS[lang];
      return [
        field({ name: "quantityAmount", label: t.quantityAmount, type: "number", step: "any", min: "0", value: v.quantityAmount, error: e.quantityAmount, required: true }),
        field({ name: "quantityUnit", label: t.quantityUnit, type: "select", options: labelled(UNITS, t.units), value: v.quantityUnit, error: e.quantityUnit, required: true }),
        field({ name: "amountCny", label: t.amountCny, type: "number", step: "0.01", min: "0", value: v.amountCny, error: e.amountCny, hint: t.amountHint, required: true }),
        field({ name: "channel", label: t.channel, type: "select", options: labelled(CHANNELS, t.channels), value: v.channel, error: e.channel, required: true }),
        field({ name: "soldAt", label: t.soldAt, type: "datetime-local", value: v.soldAt, error: e.soldAt, required: true }),
      ];
    },
  },
};

/** Every field name the forms post, so exactly these are read back from a request. */
export const EVENT_FORM_FIELDS = [
  "from", "to", "vehicle", "temperatureMin", "temperatureMax", "shippedAt", "notes",
  "location", "receivedAt", "condition",
  "quantityAmount", "quantityUnit", "amountCny", "channel", "soldAt",
] as const;

// The choices come from the API's schema; the words only label them.
const UNITS = saleBody.shape.quantity.shape.unit.options;
const CHANNELS = saleBody.shape.channel.options;

function labelled(values: readonly string[], labels: Record<string, string>) {
  return values.map((value) => ({ value, label: labels[value] ?? value }));
}

/** The object without its undefined members, so an empty optional field stays absent. */
export function withoutEmpty(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
