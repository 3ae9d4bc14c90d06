// Checks a CDS Hooks call body before anything reads it. Malformed → 400 with one clear message;
// never throws. Unknown fields, extensions and configuration options are ignored (CRD hook-23,
// found-33, dev-17).
import { CRD_VERSIONS, DEFAULT_CRD_VERSION, type CrdVersion } from './coverage-information.js';
import { isObject, str, type Json } from './fhir.js';
import type { HookBehaviour } from './hook-behaviour.js';
import type { ServiceDefinition } from './services.js';

export interface HookConfiguration {
  coverageInfo: boolean;
  guideline: boolean;
  maxCards: number;
}

export interface HookRequest {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  accessToken?: string;
  context: Json;
  /** Prefetch as sent: key → resource, Bundle, null (no data) or OperationOutcome. */
  prefetch: Json;
  version: CrdVersion;
  configuration: HookConfiguration;
}

export type Checked =
  { ok: true; value: HookRequest } | { ok: false; status: 400; message: string };

const bad = (message: string): Checked => ({ ok: false, status: 400, message });

/** "2.2", "2.2.1" → 2.2; "2.0", "2.0.1" → 2.0; anything else is not offered. */
export function parseCrdVersion(v: string): CrdVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(v.trim());
  const two = m ? `${m[1]}.${m[2]}` : undefined;
  return (CRD_VERSIONS as readonly string[]).includes(two ?? '') ? (two as CrdVersion) : undefined;
}

function configuration(raw: unknown, service: ServiceDefinition): HookConfiguration {
  const out: HookConfiguration = { coverageInfo: true, guideline: true, maxCards: 10 };
  const offered = new Set(service.configurationOptions.map((o) => o.code));
  if (!isObject(raw)) return out;
  // Values of the wrong type are ignored, not rejected: configuration is advisory (dev-6).
  if (offered.has('coverage-info') && typeof raw['coverage-info'] === 'boolean')
    out.coverageInfo = raw['coverage-info'];
  if (offered.has('guideline') && typeof raw['guideline'] === 'boolean')
    out.guideline = raw['guideline'];
  const max = raw['max-cards'];
  if (offered.has('max-cards') && typeof max === 'number' && Number.isInteger(max) && max >= 0)
    out.maxCards = max;
  return out;
}

export function checkHookRequest(
  service: ServiceDefinition,
  behaviour: HookBehaviour,
  body: unknown,
): Checked {
  if (!isObject(body)) return bad('the body must be a JSON object (a CDS Hooks request)');
  const hook = str(body['hook']);
  if (!hook) return bad('hook is required');
  if (hook !== service.hook)
    return bad(`service ${service.id} answers ${service.hook}, not ${hook}`);
  const hookInstance = str(body['hookInstance']);
  if (!hookInstance) return bad('hookInstance is required (a UUID)');
  if (hookInstance.length > 128) return bad('hookInstance is too long');
  const fhirServer = body['fhirServer'];
  if (fhirServer !== undefined) {
    if (typeof fhirServer !== 'string' || !/^https?:\/\/[^\s]+$/.test(fhirServer))
      return bad('fhirServer must be an http(s) URL');
  }
  const auth = body['fhirAuthorization'];
  let accessToken: string | undefined;
  if (auth !== undefined && auth !== null) {
    if (!isObject(auth)) return bad('fhirAuthorization must be an object');
    if (fhirServer === undefined)
      return bad('fhirServer is required when fhirAuthorization is given');
    accessToken = str(auth['access_token']);
    if (!accessToken) return bad('fhirAuthorization.access_token is required');
    if (typeof auth['token_type'] !== 'string' || auth['token_type'].toLowerCase() !== 'bearer')
      return bad('fhirAuthorization.token_type must be Bearer');
  }
  const context = body['context'];
  if (!isObject(context)) return bad('context must be an object');
  const problem = behaviour.checkContext(context);
  if (problem) return bad(problem);
  const prefetch = body['prefetch'];
  if (prefetch !== undefined && prefetch !== null && !isObject(prefetch))
    return bad('prefetch must be an object');
  const extension = body['extension'];
  if (extension !== undefined && extension !== null && !isObject(extension))
    return bad('extension must be an object');
  let version = DEFAULT_CRD_VERSION;
  const requested = isObject(extension) ? extension['davinci-crd.requestedVersion'] : undefined;
  if (requested !== undefined) {
    const v = typeof requested === 'string' ? parseCrdVersion(requested) : undefined;
    if (!v)
      return bad(
        `davinci-crd.requestedVersion ${JSON.stringify(requested)} is not offered; this service supports ${CRD_VERSIONS.join(', ')}`,
      );
    version = v;
  }
  const value: HookRequest = {
    hook,
    hookInstance,
    context,
    prefetch: isObject(prefetch) ? prefetch : {},
    version,
    configuration: configuration(
      isObject(extension) ? extension['davinci-crd.configuration'] : undefined,
      service,
    ),
  };
  if (typeof fhirServer === 'string') value.fhirServer = fhirServer.replace(/\/+$/, '');
  if (accessToken) value.accessToken = accessToken;
  return { ok: true, value };
}
