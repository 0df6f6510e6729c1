import { TypeOverrides } from 'pg';

const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;

/**
 * PostgreSQL's ISO text form (`2024-01-02 03:04:05.123456`, optionally with `+00`, `+05:30`) as an ISO 8601 string.
 * `timestamp without time zone` columns hold UTC wall-clock time on a Chef Server, so they get a `Z`.
 * `infinity`, `-infinity` and BC dates have no ISO form and are kept as PostgreSQL writes them; PostgreSQL reads
 * every one of these forms back.
 */
export function pgTimestampToIso(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/.exec(text);
  if (!m) return text;
  const [, date, time, sign, hh, mm, ss] = m;
  if (!sign || (hh === '00' && (mm ?? '00') === '00' && (ss ?? '00') === '00')) return `${date}T${time}Z`;
  // Seconds in an offset exist only for historic zones; ISO 8601 cannot carry them, so keep PostgreSQL's text.
  if (ss && ss !== '00') return text;
  return `${date}T${time}${sign}${hh}:${mm ?? '00'}`;
}

/**
 * Type parsers for the SQL path: timestamps stay strings. pg's default turns `timestamp` into a Date in the
 * process's local zone, which shifts the value on any host not running in UTC, and it turns `infinity` into a number.
 */
export function timestampAsIsoTypes(): TypeOverrides {
  const overrides = new TypeOverrides();
  overrides.setTypeParser(TIMESTAMP_OID, 'text', pgTimestampToIso);
  overrides.setTypeParser(TIMESTAMPTZ_OID, 'text', pgTimestampToIso);
  return overrides;
}
