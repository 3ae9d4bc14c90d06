import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { yamlPackage } from '../lazy-packages.js';
import { packageRoot, policiesDir } from '../package-root.js';
import { prebuiltYaml, type YamlKind } from '../prebuilt-yaml.js';
import { readOrderFile } from './cms-order-file.js';
import { mapCodeSystem, type CodeRecord, type CodeSystem } from './code-system.js';
import { readHcpcsFile } from './cms-hcpcs-file.js';
import { compileBases } from './bases.js';
import { compileDrugs } from './drugs.js';
import {
  extendHistory,
  historyCodeSystem,
  ICD10CM_START,
  releasesSource,
  type CuratedChange,
} from './icd10cm.js';
import { DESCRIPTIONS_FILE, HISTORY_FILE, readHistoryFiles } from './icd10cm-history-file.js';
import { compileIndications } from './indications.js';
import type { Terminology } from './terminology.js';
import { validateDrugCatalog, validateIndicationValueSets } from '../model/file-validators.js';
import type { DrugCatalogFile, IndicationValueSetFile } from '../model/policy.js';
import type { Route } from '../model/vocabulary.js';

export interface TerminologyOptions {
  /**
   * CMS ICD-10-CM order files to load (MEDPOLICY_ICD10CM): they extend the shipped history (a
   * newer release) or replace the shipped release that takes effect the same day.
   */
  icd10cmFiles?: string[];
  /** Use only those files, not the shipped history (MEDPOLICY_ICD10CM_ONLY=1). */
  icd10cmOnlyLoaded?: boolean;
  /** Fiscal year, when a single file's name does not carry it (MEDPOLICY_ICD10CM_FY). */
  icd10cmFiscalYear?: number;
  /** A CMS HCPCS contractor file (HCPC<YYYY>_<MON>_ANWEB.txt) to load (MEDPOLICY_HCPCS). */
  hcpcsFile?: string;
  /** The package root, for the shipped code sets under terminology/. */
  root?: string;
  /** The policies directory, for its valuesets/ (MEDPOLICY_POLICIES; default the package's). */
  policiesDir?: string;
}

export function terminologyOptionsFromEnv(env: NodeJS.ProcessEnv): TerminologyOptions {
  const opts: TerminologyOptions = {};
  const files = env.MEDPOLICY_ICD10CM?.split(',').map((s) => s.trim()).filter(Boolean);
  if (files?.length) opts.icd10cmFiles = files;
  if (env.MEDPOLICY_ICD10CM_ONLY === '1' || env.MEDPOLICY_ICD10CM_ONLY === 'true') opts.icd10cmOnlyLoaded = true;
  if (env.MEDPOLICY_HCPCS?.trim()) opts.hcpcsFile = env.MEDPOLICY_HCPCS.trim();
  if (env.MEDPOLICY_ICD10CM_FY) {
    const fy = Number(env.MEDPOLICY_ICD10CM_FY);
    if (!Number.isInteger(fy) || fy < 2016 || fy > 2100) {
      throw new Error(`MEDPOLICY_ICD10CM_FY must be a fiscal year such as 2026, not "${env.MEDPOLICY_ICD10CM_FY}"`);
    }
    opts.icd10cmFiscalYear = fy;
  }
  return opts;
}

interface ProcedureCodeFile {
  system: 'hcpcs' | 'cpt';
  version: string;
  codes: { code: string; descriptor?: string; drug?: string; route?: Route; routes?: Route[]; from?: string; to?: string }[];
}

/** A YAML file the terminology is read from: its kind, and the check its content must pass. */
export interface TerminologyYaml {
  kind: YamlKind;
  /** Relative to the package (or policy) root. */
  path: string;
  check?: (data: unknown, file: string) => void;
}

export const TERMINOLOGY_YAML = {
  hcpcs: { kind: 'code-system', path: 'terminology/hcpcs/hcpcs.yaml' },
  cpt: { kind: 'code-system', path: 'terminology/hcpcs/cpt.yaml' },
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

function procedureCodeSystem(root: string, f: TerminologyYaml) {
  const path = join(root, f.path);
  const file = readYaml(root, f) as ProcedureCodeFile;
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
  return mapCodeSystem(file.system, file.version, path, { from: '1900-01-01' }, records, []);
}

/**
 * The complete CMS HCPCS file, with the shipped drug and route annotations kept: CMS gives the
 * codes, descriptors and dates; medpolicy adds which drug a code names.
 */
function loadedHcpcs(path: string, shipped: CodeSystem): CodeSystem {
  const { label, entries } = readHcpcsFile(path);
  const records: CodeRecord[] = entries.map((e) => {
    const annotated = shipped.get(e.code);
    const window = { from: e.added ?? '1900-01-01', billable: true, ...(e.terminated ? { to: e.terminated } : {}) };
    return {
      code: e.code,
      display: e.long || e.short,
      windows: [window],
      ...(annotated?.drug ? { drug: annotated.drug } : {}),
      ...(annotated?.routes ? { routes: annotated.routes } : {}),
    };
  });
  return mapCodeSystem('hcpcs', `${label} (loaded from CMS file)`, `CMS HCPCS Level II file ${path}`, { from: '1900-01-01' }, records);
}

/** The shipped ICD-10-CM history, extended by the operator's CMS files if any. */
export function loadIcd10cm(root: string, opts: TerminologyOptions = {}): CodeSystem {
  const files = opts.icd10cmFiles ?? [];
  const loaded = files.map((f) => readOrderFile(f, files.length === 1 ? opts.icd10cmFiscalYear : undefined));
  if (opts.icd10cmOnlyLoaded) {
    const source = releasesSource(loaded);
    return historyCodeSystem(source, {
      version: `ICD-10-CM ${source.releases.map((r) => r.label).join(', ')} (loaded from CMS files)`,
      provenance: 'CMS / CDC NCHS ICD-10-CM order files (public domain), loaded by the operator',
    });
  }
  const shipped = readHistoryFiles(join(root, HISTORY_FILE), join(root, DESCRIPTIONS_FILE));
  const source = loaded.length > 0 ? extendHistory(shipped, loaded) : shipped;
  const first = source.releases[0]!;
  const last = source.releases[source.releases.length - 1]!;
  const shippedLast = shipped.releases[shipped.releases.length - 1]!;
  const version =
    loaded.length > 0
      ? `ICD-10-CM ${first.label} to ${last.label} (shipped through ${shippedLast.label}; ${loaded.map((r) => r.label).join(', ')} loaded from CMS files)`
      : `ICD-10-CM ${first.label} to ${last.label} (${source.releases.length} CMS releases, shipped)`;
  const curated = (readYaml(root, TERMINOLOGY_YAML.icd10cmChanges) as { changes: CuratedChange[] }).changes;
  return historyCodeSystem(source, {
    version,
    provenance: `CMS / CDC NCHS ICD-10-CM order files (public domain); ${HISTORY_FILE}${loaded.length > 0 ? ' and the operator\'s files' : ''}`,
    readBackTo: ICD10CM_START,
    curated,
  });
}

/** The indication value sets as written (checked), to compile against another code set. */
export function readIndicationValueSets(dir: string = policiesDir()): IndicationValueSetFile {
  return readValueSet(dir, TERMINOLOGY_YAML.indications) as IndicationValueSetFile;
}

/** A value set (policies/valuesets/…) read from the policies directory `dir`. */
function readValueSet(dir: string, f: TerminologyYaml): unknown {
  return readYaml(dirname(dir), { ...f, path: join(basename(dir), f.path.replace(/^policies\//, '')) });
}

/** Reads the shipped code sets and value sets, or the operator's CMS files. Fails loudly. */
export function loadTerminology(opts: TerminologyOptions = {}): Terminology {
  const root = opts.root ?? packageRoot();
  const icd10cm = loadIcd10cm(root, opts);
  const dir = opts.policiesDir ?? (opts.root ? join(opts.root, 'policies') : policiesDir());
  const indicationsFile = readIndicationValueSets(dir);
  const drugsFile = readValueSet(dir, TERMINOLOGY_YAML.drugs) as DrugCatalogFile;
  return {
    icd10cm,
    hcpcs: opts.hcpcsFile
      ? loadedHcpcs(opts.hcpcsFile, procedureCodeSystem(root, TERMINOLOGY_YAML.hcpcs))
      : procedureCodeSystem(root, TERMINOLOGY_YAML.hcpcs),
    cpt: procedureCodeSystem(root, TERMINOLOGY_YAML.cpt),
    indications: compileIndications(indicationsFile, icd10cm),
    drugs: compileDrugs(drugsFile),
    bases: compileBases(readValueSet(dir, TERMINOLOGY_YAML.bases)),
  };
}
