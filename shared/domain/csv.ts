/**
 * CSV as RFC 4180 writes it (comma separated, CRLF line ends, a field quoted when it holds a comma, a quote or a line
 * break, quotes doubled), with the guard spreadsheets need: a field that starts with = + - @ (or a tab or carriage
 * return, which some spreadsheets skip before them) would run as a formula when the file is opened, so it is prefixed
 * with a single quote and shows as the text it is (OWASP "CSV injection").
 */
export function csvField(value: string | number | boolean | undefined | null): string {
  const text = value === undefined || value === null ? '' : String(value);
  const inert = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

/** One CSV line, CRLF included. */
export function csvLine(values: Array<string | number | boolean | undefined | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
