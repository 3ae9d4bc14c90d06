// The media type of each CDS Hooks answer. CDS Hooks 2.0 ("Use of JSON") asks only that every
// body be JSON. A 200 answer (cards, systemActions) is CDS Hooks JSON, not a FHIR resource:
// application/json. An error body is a FHIR OperationOutcome (CRD 2.2.1 hooks.md hook-10 SHALL,
// 2.0.1 SHOULD), and FHIR R4 names the JSON format of a resource application/fhir+json
// (http.html#mime-type), still JSON by its +json suffix (RFC 6839). So every OperationOutcome on
// these routes, whatever the status, goes out as FHIR JSON, and everything else as plain JSON.
import { isResource } from './fhir.js';

export const CDS_JSON = 'application/json; charset=utf-8';
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function cdsMediaType(body: unknown): string {
  return isResource(body) && body.resourceType === 'OperationOutcome' ? FHIR_JSON : CDS_JSON;
}
