// FHIR OperationOutcome for every non-2xx answer of the CDS Hooks and PAS adapters.

export type IssueType =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'not-found'
  | 'not-supported'
  | 'security'
  | 'login'
  | 'exception'
  | 'timeout'
  | 'business-rule'
  | 'too-large'
  | 'code-invalid'
  | 'throttled'
  | 'conflict'
  | 'transient'
  | 'informational';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: {
    severity: 'fatal' | 'error' | 'warning' | 'information';
    code: IssueType;
    diagnostics: string;
    expression?: string[];
  }[];
}

export function operationOutcome(
  code: IssueType,
  diagnostics: string,
  expression?: string,
  severity: 'fatal' | 'error' | 'warning' | 'information' = 'error',
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  };
}
