/**
 * Dates as the programme's people write them (domain/china-dates.ts): a plain date is a day in
 * China (+08:00) and stays a date; a date-time carries its offset; a date that does not exist is
 * refused; moments and days are compared by the China day.
 */
import { expect } from "chai";
import { chinaDateOf, endOf, isDateOrDateTime, isInFuture, isPlainDate, notBefore, startOf } from "../../server/domain/china-dates";

const MINUTE = 60_000;

describe("china dates (domain/china-dates.ts)", function () {
  it("tells a plain date from a date-time, and takes a date-time only with its offset", function () {
    for (const value of ["2026-07-15", "2028-02-29", "2026-12-31"]) {
      expect(isPlainDate(value), value).to.equal(true);
      expect(isDateOrDateTime(value), value).to.equal(true);
    }
    for (const value of ["2026-07-15T08:00:00+08:00", "2026-07-15T08:00+08:00", "2026-07-15T00:00:00Z", "2026-07-15T08:00:00.123-05:00"]) {
      expect(isPlainDate(value), value).to.equal(false);
      expect(isDateOrDateTime(value), value).to.equal(true);
    }
    // A date-time without an offset could be any time zone's.
    for (const value of ["2026-07-15T08:00:00", "2026-07-15T08:00:00+0800", "2026-07-15 08:00:00+08:00", "2026-07-15t08:00:00Z"]) {
      expect(isDateOrDateTime(value), value).to.equal(false);
    }
  });

  it("refuses calendar dates that do not exist, and other forms of dates", function () {
    for (const value of ["2026-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-04-31", "2026-07-32", "2026-7-15", "15/07/2026", "20260715", "", " 2026-07-15"]) {
      expect(isPlainDate(value), value).to.equal(false);
      expect(isDateOrDateTime(value), value).to.equal(false);
    }
    // JavaScript would roll 30 February over into March; the ledger refuses it.
    expect(Number.isNaN(Date.parse("2026-02-30T08:00:00+08:00"))).to.equal(false);
    for (const value of ["2026-02-30T08:00:00+08:00", "2026-07-15T25:00:00+08:00", "2026-07-15T24:00:00+08:00", "2026-07-15T23:60:00+08:00", "2026-07-15T08:00:00+24:00"]) {
      expect(isDateOrDateTime(value), value).to.equal(false);
    }
  });

  it("spans a plain date over its China day", function () {
    expect(new Date(startOf("2026-07-15")).toISOString()).to.equal("2026-07-14T16:00:00.000Z");
    expect(new Date(endOf("2026-07-15")).toISOString()).to.equal("2026-07-15T15:59:59.999Z");
    expect(startOf("2026-07-15T08:00:00+08:00")).to.equal(endOf("2026-07-15T08:00:00+08:00"));
  });

  it("puts a moment on its China day", function () {
    expect(chinaDateOf(Date.parse("2026-07-15T23:59:59+08:00"))).to.equal("2026-07-15");
    expect(chinaDateOf(Date.parse("2026-07-15T00:00:00+08:00"))).to.equal("2026-07-15");
    expect(chinaDateOf(Date.parse("2026-07-15T16:00:00Z"))).to.equal("2026-07-16");
    expect(chinaDateOf(Date.parse("2026-07-15T15:59:59.999Z"))).to.equal("2026-07-15");
    expect(chinaDateOf(Date.parse("2026-07-15T20:00:00-05:00"))).to.equal("2026-07-16");
  });

  it("orders a plain date and a moment by the China day, and two moments by time", function () {
    // A sale on the 15th may follow a receipt at 18:00 on the 15th, and a receipt on the 15th a shipment at 23:59:59 that day.
    expect(notBefore("2026-07-15", "2026-07-15T18:00:00+08:00")).to.equal(true);
    expect(notBefore("2026-07-15", "2026-07-15T23:59:59+08:00")).to.equal(true);
    expect(notBefore("2026-07-15T00:00:00+08:00", "2026-07-15")).to.equal(true);
    // 16:00Z on the 15th is already the 16th in China: not on the 15th's China day.
    expect(notBefore("2026-07-15", "2026-07-15T16:00:00Z")).to.equal(false);
    expect(notBefore("2026-07-16", "2026-07-15T16:00:00Z")).to.equal(true);
    expect(notBefore("2026-07-15T15:59:59Z", "2026-07-16")).to.equal(false);
    expect(notBefore("2026-07-14", "2026-07-15")).to.equal(false);
    expect(notBefore("2026-07-15", "2026-07-15")).to.equal(true);
    expect(notBefore("2026-07-15T08:00:00+08:00", "2026-07-15T00:00:01Z")).to.equal(false);
    expect(notBefore("2026-07-15T08:00:00+08:00", "2026-07-15T00:00:00Z")).to.equal(true);
  });

  it("finds a time in the future only beyond the allowance, and a plain date only after today in China", function () {
    const now = Date.parse("2026-07-15T12:00:00+08:00");
    const allowance = 10 * MINUTE;
    expect(isInFuture(new Date(now + 10 * MINUTE).toISOString(), now, allowance)).to.equal(false);
    expect(isInFuture(new Date(now + 10 * MINUTE + 1000).toISOString(), now, allowance)).to.equal(true);
    expect(isInFuture("2026-07-15", now, allowance)).to.equal(false);
    expect(isInFuture("2026-07-16", now, allowance)).to.equal(true);
    // 23:55 on the 15th in China: within the allowance it may already be the 16th somewhere.
    const lateEvening = Date.parse("2026-07-15T23:55:00+08:00");
    expect(isInFuture("2026-07-16", lateEvening, allowance)).to.equal(false);
    expect(isInFuture("2026-07-17", lateEvening, allowance)).to.equal(true);
    // 2026-07-15T16:30Z is already the 16th in China: a plain date of the 16th is today.
    expect(isInFuture("2026-07-16", Date.parse("2026-07-15T16:30:00Z"), allowance)).to.equal(false);
    expect(isInFuture("2026-07-16", Date.parse("2026-07-15T15:30:00Z"), allowance)).to.equal(true);
  });
});
