// The CDS Hooks (Da Vinci CRD) adapter's public surface, for an HTTP server to mount.
export { discoveryDocument, type DiscoveryDocument } from './discovery.js';
export {
  handleHook,
  type CoverageAssertionRecordV1,
  type HookDeps,
  type HookResult,
} from './handle-hook.js';
export {
  httpFhirFetch,
  type FhirFetch,
  type FhirReadFailure,
  type FhirReadResult,
} from './prefetch.js';
export {
  fhirServerMatcher,
  underFhirServer,
  type FhirServerTrust,
} from './fhir-server-allowlist.js';
export { SERVICES, findService, type ServiceDefinition } from './services.js';
export { cdsMediaType, CDS_JSON, FHIR_JSON } from './media-type.js';
export { loadCoverageMap, selectCoverage, type CoverageMap } from './coverage-map.js';
export {
  verifyCdsClientJwt,
  clientAuthRequired,
  MemoryReplayCache,
  ALLOWED_ALGORITHMS,
  type JwtAuthOptions,
  type JwtAuthResult,
  type ReplayCache,
  type TrustedIssuer,
} from './jwt-auth.js';
