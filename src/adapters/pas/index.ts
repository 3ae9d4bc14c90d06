// The PAS adapter's public surface, for an HTTP server to mount.
export {
  submitPasBundle,
  readClaimResponse,
  REVIEW_ACTIONS,
  type PasClaimResponseRecordV1,
  type PasDeps,
  type PasRecordStore,
  type PasResult,
} from './submit-claim.js';
export { operationOutcome, type OperationOutcome } from './operation-outcome.js';
