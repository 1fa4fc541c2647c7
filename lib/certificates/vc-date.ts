/** A credential's dateTime (validFrom): ISO 8601 in UTC, to the second. */
export const vcDateTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
