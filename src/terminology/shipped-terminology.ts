import { join } from 'node:path';
import type { DrugCatalogFile, IndicationValueSetFile } from '../model/policy.js';
import type { Route } from '../model/vocabulary.js';
import { compileFacts } from '../model/facts.js';
import { compileBases } from './bases.js';
import { mapCodeSystem, type CodeRecord, type CodeSystem } from './code-system.js';
import { compileDrugs } from './drugs.js';
import { historyCodeSystem, ICD10CM_START, type CuratedChange } from './icd10cm.js';
import { DESCRIPTIONS_FILE, HISTORY_FILE, readHistoryFiles } from './icd10cm-history-file.js';
import { compileIndications } from './indications.js';
import type { Terminology } from './terminology.js';

// The terminology from its files' parsed and checked content. Kept apart from the loader
// (load-terminology.ts), which parses YAML and checks it against schemas: the prebuilt decision
// context (service/prebuilt-context.ts) holds this content and builds the terminology with this
// module alone, so a command that starts from it loads neither the YAML parser nor the schemas.

export interface ProcedureCodeFile {
  system: 'hcpcs' | 'cpt';
  version: string;
  codes: {
    code: string;
    descriptor?: string;
    drug?: string;
    route?: Route;
    routes?: Route[];
    from?: string;
    to?: string;
  }[];
}

/** The content of the YAML files the terminology is built from, as plain data. */
export interface TerminologyFiles {
  hcpcs: ProcedureCodeFile;
  cpt: ProcedureCodeFile;
  icd10cmChanges: { changes: CuratedChange[] };
  indications: IndicationValueSetFile;
  drugs: DrugCatalogFile;
  bases: unknown;
  facts: unknown;
}

/** Code systems an operator loaded from CMS files, in place of the shipped ones. */
export interface LoadedCodeSystems {
  icd10cm?: CodeSystem;
  hcpcs?: CodeSystem;
}

/** `provenance`: the file the codes were read from. */
export function procedureCodeSystem(file: ProcedureCodeFile, provenance: string): CodeSystem {
  const records: CodeRecord[] = file.codes.map((c) => {
    const routes = c.routes ?? (c.route ? [c.route] : undefined);
    const window = { from: c.from ?? '1900-01-01', billable: true, ...(c.to ? { to: c.to } : {}) };
    return {
      code: c.code,
      display: c.descriptor ?? '',
      windows: [window],
      ...(c.drug ? { drug: c.drug } : {}),
      ...(routes ? { routes } : {}),
    };
  });
  return mapCodeSystem(file.system, file.version, provenance, { from: '1900-01-01' }, records, []);
}

/** The ICD-10-CM history shipped under `root`, searched in place. */
export function shippedIcd10cm(root: string, curated: readonly CuratedChange[]): CodeSystem {
  const source = readHistoryFiles(join(root, HISTORY_FILE), join(root, DESCRIPTIONS_FILE));
  const first = source.releases[0]!;
  const last = source.releases[source.releases.length - 1]!;
  return historyCodeSystem(source, {
    version: `ICD-10-CM ${first.label} to ${last.label} (${source.releases.length} CMS releases, shipped)`,
    provenance: `CMS / CDC NCHS ICD-10-CM order files (public domain); ${HISTORY_FILE}`,
    readBackTo: ICD10CM_START,
    curated,
  });
}

/**
 * The terminology of the package (or copy) at `root`, from its files' content; `paths` name the
 * procedure-code files, for their provenance. Throws when a value set does not compile.
 */
export function terminologyFromFiles(
  root: string,
  files: TerminologyFiles,
  paths: { hcpcs: string; cpt: string },
  loaded: LoadedCodeSystems = {},
): Terminology {
  const icd10cm = loaded.icd10cm ?? shippedIcd10cm(root, files.icd10cmChanges.changes);
  return {
    icd10cm,
    hcpcs: loaded.hcpcs ?? procedureCodeSystem(files.hcpcs, join(root, paths.hcpcs)),
    cpt: procedureCodeSystem(files.cpt, join(root, paths.cpt)),
    indications: compileIndications(files.indications, icd10cm),
    drugs: compileDrugs(files.drugs),
    bases: compileBases(files.bases),
    facts: compileFacts(files.facts),
  };
}
