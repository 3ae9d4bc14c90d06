// --payer-map: 837 payer ids (NM1*PR NM109) to medpolicy payer ids. Its own module so the CLI
// can read the map without loading the X12 reader (and node-x12) for other formats.

/**
 * How map keys and NM109 payer ids are compared: trimmed, case-insensitively. An id is the same
 * id in any case (medpolicy's payer ids are lower case, NM109 often upper); the map used to be
 * matched case-sensitively while its error showed the id lower-cased.
 */
export function payerMapKey(id: string): string {
  return id.trim().toUpperCase();
}
