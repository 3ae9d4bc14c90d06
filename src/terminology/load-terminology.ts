import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { yamlPackage } from '../lazy-packages.js';
import { packageRoot, policiesDir } from '../package-root.js';
import { prebuiltYaml, type YamlKind } from '../prebuilt-yaml.js';
import { readOrderFile } from './cms-order-file.js';
import { mapCodeSystem, type CodeRecord, type CodeSystem } from './code-system.js';
import { readHcpcsFile } from './cms-hcpcs-file.js';
import { compileBases } from './bases.js';
import { compileFacts } from '../model/facts.js';
import {
  extendHistory,
  historyCodeSystem,
  ICD10CM_START,
  releasesSource,
  type CuratedChange,
} from './icd10cm.js';
import { DESCRIPTIONS_FILE, HISTORY_FILE, readHistoryFiles } from './icd10cm-history-file.js';
import {
  procedureCodeSystem,
  shippedIcd10cm,
  terminologyFromFiles,
  type ProcedureCodeFile,
  type TerminologyFiles,
} from './shipped-terminology.js';
import type { Terminology } from './terminology.js';
import type { TerminologyOptions } from './terminology-options.js';
import { validateDrugCatalog, validateIndicationValueSets } from '../model/file-validators.js';
import type { DrugCatalogFile, IndicationValueSetFile } from '../model/policy.js';

export {
  loadsOperatorFiles,
  terminologyOptionsFromEnv,
  type TerminologyOptions,
} from './terminology-options.js';

/** Where the procedure-code files are, relative to the package root. */
export const TERMINOLOGY_PATHS = {
  hcpcs: 'terminology/hcpcs/hcpcs.yaml',
  cpt: 'terminology/hcpcs/cpt.yaml',
} as const;

/** A YAML file the terminology is read from: its kind, and the check its content must pass. */
export interface TerminologyYaml {
  kind: YamlKind;
  /** Relative to the package (or policy) root. */
  path: string;
  check?: (data: unknown, file: string) => void;
}

export const TERMINOLOGY_YAML = {
  hcpcs: { kind: 'code-system', path: TERMINOLOGY_PATHS.hcpcs },
  cpt: { kind: 'code-system', path: TERMINOLOGY_PATHS.cpt },
  icd10cmChanges: { kind: 'icd10cm-changes', path: 'terminology/icd10cm/changes.yaml' },
  indications: {
    kind: 'indications',
    path: 'policies/valuesets/indications.yaml',
    check: validateIndicationValueSets,
  },
  drugs: { kind: 'drugs', path: 'policies/valuesets/drugs.yaml', check: validateDrugCatalog },
  bases: {
    kind: 'bases',
    path: 'policies/valuesets/bases.yaml',
    check: (data, file) => void compileBases(data, file),
  },
  facts: {
    kind: 'facts',
    path: 'policies/valuesets/facts.yaml',
    check: (data, file) => void compileFacts(data, file),
  },
} as const satisfies Record<string, TerminologyYaml>;

/** The content of a terminology YAML file, parsed and checked (throws when it is not valid). */
export function parseTerminologyYaml(f: TerminologyYaml, text: string): unknown {
  const data: unknown = yamlPackage().parse(text);
  f.check?.(data, f.path);
  return data;
}

/** The checked content of a terminology YAML file: prebuilt when its text is, else parsed. */
function readYaml(root: string, f: TerminologyYaml): unknown {
  const text = readFileSync(join(root, f.path), 'utf8');
  return prebuiltYaml(f.kind, text) ?? parseTerminologyYaml(f, text);
}

/**
 * The complete CMS HCPCS file, with the shipped drug and route annotations kept: CMS gives the
 * codes, descriptors and dates; medpolicy adds which drug a code names.
 */
function loadedHcpcs(path: string, shipped: CodeSystem): CodeSystem {
  const { label, entries } = readHcpcsFile(path);
  const records: CodeRecord[] = entries.map((e) => {
    const annotated = shipped.get(e.code);
    const window = {
      from: e.added ?? '1900-01-01',
      billable: true,
      ...(e.terminated ? { to: e.terminated } : {}),
    };
    return {
      code: e.code,
      display: e.long || e.short,
      windows: [window],
      ...(annotated?.drug ? { drug: annotated.drug } : {}),
      ...(annotated?.routes ? { routes: annotated.routes } : {}),
    };
  });
  return mapCodeSystem(
    'hcpcs',
    `${label} (loaded from CMS file)`,
    `CMS HCPCS Level II file ${path}`,
    { from: '1900-01-01' },
    records,
  );
}

/** The shipped ICD-10-CM history, extended by the operator's CMS files if any. */
export function loadIcd10cm(
  root: string,
  opts: TerminologyOptions = {},
  curated?: readonly CuratedChange[],
): CodeSystem {
  const files = opts.icd10cmFiles ?? [];
  const readCurated = () =>
    curated ??
    (readYaml(root, TERMINOLOGY_YAML.icd10cmChanges) as TerminologyFiles['icd10cmChanges']).changes;
  if (!opts.icd10cmOnlyLoaded && files.length === 0) return shippedIcd10cm(root, readCurated());
  const loaded = files.map((f) =>
    readOrderFile(f, files.length === 1 ? opts.icd10cmFiscalYear : undefined),
  );
  if (opts.icd10cmOnlyLoaded) {
    const source = releasesSource(loaded);
    return historyCodeSystem(source, {
      version: `ICD-10-CM ${source.releases.map((r) => r.label).join(', ')} (loaded from CMS files)`,
      provenance: 'CMS / CDC NCHS ICD-10-CM order files (public domain), loaded by the operator',
    });
  }
  const shipped = readHistoryFiles(join(root, HISTORY_FILE), join(root, DESCRIPTIONS_FILE));
  const source = extendHistory(shipped, loaded);
  const first = source.releases[0]!;
  const last = source.releases[source.releases.length - 1]!;
  const shippedLast = shipped.releases[shipped.releases.length - 1]!;
  const version = `ICD-10-CM ${first.label} to ${last.label} (shipped through ${shippedLast.label}; ${loaded.map((r) => r.label).join(', ')} loaded from CMS files)`;
  return historyCodeSystem(source, {
    version,
    provenance: `CMS / CDC NCHS ICD-10-CM order files (public domain); ${HISTORY_FILE} and the operator's files`,
    readBackTo: ICD10CM_START,
    curated: readCurated(),
  });
}

/** The indication value sets as written (checked), to compile against another code set. */
export function readIndicationValueSets(dir: string = policiesDir()): IndicationValueSetFile {
  return readValueSet(dir, TERMINOLOGY_YAML.indications) as IndicationValueSetFile;
}

/** A value set (policies/valuesets/…) read from the policies directory `dir`. */
function readValueSet(dir: string, f: TerminologyYaml): unknown {
  return readYaml(dirname(dir), {
    ...f,
    path: join(basename(dir), f.path.replace(/^policies\//, '')),
  });
}

/** The content of every YAML file the terminology is built from: prebuilt, else parsed and checked. */
export function readTerminologyFiles(root: string, dir: string): TerminologyFiles {
  return {
    hcpcs: readYaml(root, TERMINOLOGY_YAML.hcpcs) as ProcedureCodeFile,
    cpt: readYaml(root, TERMINOLOGY_YAML.cpt) as ProcedureCodeFile,
    icd10cmChanges: readYaml(
      root,
      TERMINOLOGY_YAML.icd10cmChanges,
    ) as TerminologyFiles['icd10cmChanges'],
    indications: readIndicationValueSets(dir),
    drugs: readValueSet(dir, TERMINOLOGY_YAML.drugs) as DrugCatalogFile,
    bases: readValueSet(dir, TERMINOLOGY_YAML.bases),
    facts: readValueSet(dir, TERMINOLOGY_YAML.facts),
  };
}

/** Reads the shipped code sets and value sets, or the operator's CMS files. Fails loudly. */
export function loadTerminology(opts: TerminologyOptions = {}): Terminology {
  return terminologyFromSources(opts).terminology;
}

/** The terminology, and the files' content it was built from (for the prebuilt context). */
export function terminologyFromSources(opts: TerminologyOptions = {}): {
  terminology: Terminology;
  files: TerminologyFiles;
} {
  const root = opts.root ?? packageRoot();
  const dir = opts.policiesDir ?? (opts.root ? join(opts.root, 'policies') : policiesDir());
  const files = readTerminologyFiles(root, dir);
  const shippedHcpcs = () =>
    procedureCodeSystem(files.hcpcs, join(root, TERMINOLOGY_YAML.hcpcs.path));
  const terminology = terminologyFromFiles(root, files, TERMINOLOGY_PATHS, {
    icd10cm: loadIcd10cm(root, opts, files.icd10cmChanges.changes),
    ...(opts.hcpcsFile ? { hcpcs: loadedHcpcs(opts.hcpcsFile, shippedHcpcs()) } : {}),
  });
  return { terminology, files };
}
