import { FormatRegistry } from '@sinclair/typebox';

/**
 * Our 'date-time': what Elasticsearch's `date` fields (strict_date_optional_time) accept, and no more,
 * so an event accepted at the door is never refused by the index. A full date and time with a zone:
 * `YYYY-MM-DDTHH:mm:ss[.fraction]` then `Z` or `±HH:MM`. Hand-written rather than Date.parse: V8
 * accepts `2026-02-30` (rolls to March 2) and `T24:00:00`, which Java's parser refuses; and Java's
 * ZoneOffset stops at ±18:00 where the regex alone would take `+23:00`. Upper-case `T`/`Z` only.
 */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Java's ZoneOffset range, in minutes. */
const MAX_OFFSET_MINUTES = 18 * 60;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True for a real calendar date-time in the shape above, with hours 00-23 and an offset within ±18:00. */
export function isStrictDateTime(value: string): boolean {
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7]) {
    const offHours = Number(m[8]);
    const offMinutes = Number(m[9]);
    if (offMinutes > 59 || offHours * 60 + offMinutes > MAX_OFFSET_MINUTES) return false;
  }
  return !Number.isNaN(Date.parse(value));
}

// TypeBox leaves string formats to the application; without these a `format` keyword fails every
// value. Registered once, on import of the validators.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isStrictDateTime);
if (!FormatRegistry.Has('uri')) {
  FormatRegistry.Set('uri', (v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  });
}
