// Generates realistic claim lines for the screening benchmark and tests: NDJSON coverage
// requests with a claim envelope, or the documented CSV columns. Deterministic (seeded), so a
// run is repeatable. Usage: node dist/bench/generate-claims.js LINES [ndjson|csv|x12] [SEED] > file
//
// The mix follows what an IV ketamine/lidocaine review queue sees: mostly commercial members,
// some Medicare Advantage, FEP and Medicaid; ketamine billed as J3490 with an infusion code,
// lidocaine as J2001 (J2002–J2004 from October 2024), esketamine as S0013 nasal; chronic pain
// and psychiatric diagnoses first, comorbidities after; dates of service from 2015 to mid-2026 so
// every policy version is exercised (three in four from the last year); about one line in 2,000 malformed.

export interface GeneratedLine {
  claimId: string;
  claimLine: number;
  payer: string;
  lineOfBusiness: string;
  planType: string;
  dateOfService: string;
  pos: string;
  setting: string;
  procedureCodes: string[];
  diagnosisCodes: string[];
  providerParticipating: boolean;
  drug: string | undefined;
  route: string | undefined;
  malformed: boolean;
}

const PAYERS = ['bcbsal', 'bcbsma', 'bcbsri', 'bcbsm', 'bcn', 'medica'];
const LOB: [string, number][] = [
  ['commercial', 62],
  ['aso', 12],
  ['medicare-advantage', 10],
  ['exchange', 6],
  ['fep', 4],
  ['medicaid', 4],
  ['medicare-supplement', 2],
];
const PLANS: [string, number][] = [
  ['ppo', 45],
  ['hmo', 30],
  ['pos', 10],
  ['epo', 10],
  ['indemnity', 5],
];
const POS: [string, string, number][] = [
  ['22', 'outpatient', 45],
  ['11', 'office', 35],
  ['19', 'outpatient', 10],
  ['24', 'outpatient', 5],
  ['21', 'inpatient', 3],
  ['23', 'emergency', 2],
];
const PRIMARY_DX: [string, number][] = [
  ['G90.521', 8],
  ['G90.522', 4],
  ['M79.7', 10],
  ['G89.29', 10],
  ['G89.4', 5],
  ['G43.909', 5],
  ['G44.229', 3],
  ['M54.50', 4],
  ['F33.2', 12],
  ['F32.2', 8],
  ['F33.1', 5],
  ['F43.10', 6],
  ['F42.2', 3],
  ['F31.4', 3],
  ['F10.20', 3],
  ['R45.851', 2],
  ['G89.3', 3],
  ['I48.91', 2],
  ['F20.9', 1],
  ['F03.90', 1],
];
// Comorbidities the shipped ICD-10-CM subset knows (with the full CMS files, any code would do).
const COMORBID = ['E11.9', 'G47.00', 'G47.33', 'M54.2', 'F41.1', 'F17.210', 'G35', 'G56.00'];
const DRUGS: [string, number][] = [
  ['ketamine', 70],
  ['lidocaine', 20],
  ['esketamine', 7],
  ['none', 3],
];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function pick<T>(r: () => number, table: [T, number][] | [T, string, number][]): T {
  const weights = table.map((e) => e[e.length - 1] as number);
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r() * total;
  for (let i = 0; i < table.length; i++) {
    x -= weights[i]!;
    if (x < 0) return table[i]![0];
  }
  return table[table.length - 1]![0];
}

export function* generateLines(count: number, seed = 42): Generator<GeneratedLine> {
  const r = rng(seed);
  // Three lines in four are from the last twelve months (a claims feed); the rest are history.
  const recent = Date.UTC(2025, 6, 1);
  const history = Date.UTC(2015, 0, 1);
  const end = Date.UTC(2026, 5, 30);
  let claim = 0;
  let n = 0;
  while (n < count) {
    claim++;
    const payer = PAYERS[Math.floor(r() * PAYERS.length)]!;
    const lineOfBusiness = pick(r, LOB);
    const planType = pick(r, PLANS);
    const posIdx = Math.floor(r() * 100);
    let acc = 0;
    let pos = POS[0]!;
    for (const p of POS) {
      acc += p[2];
      if (posIdx < acc) {
        pos = p;
        break;
      }
    }
    const from = r() < 0.75 ? recent : history;
    const days = Math.floor((r() * (end - from)) / 86400000);
    const dateOfService = new Date(from + days * 86400000).toISOString().slice(0, 10);
    const dx = [pick(r, PRIMARY_DX)];
    const extra = Math.floor(r() * 3);
    for (let i = 0; i < extra; i++) dx.push(COMORBID[Math.floor(r() * COMORBID.length)]!);
    const drug = pick(r, DRUGS);
    const participating = r() < 0.9;
    let lines: { codes: string[]; drug: string | undefined; route: string | undefined }[];
    if (drug === 'ketamine')
      lines = [
        { codes: ['96365'], drug: 'ketamine', route: 'intravenous' },
        { codes: ['J3490', '96365'], drug: 'ketamine', route: undefined },
      ];
    else if (drug === 'lidocaine') {
      const j = dateOfService >= '2024-10-01' && r() < 0.5 ? 'J2003' : 'J2001';
      lines = [
        { codes: ['96365'], drug: 'lidocaine', route: 'intravenous' },
        { codes: [j, '96365'], drug: undefined, route: undefined },
      ];
    } else if (drug === 'esketamine')
      lines = [{ codes: ['S0013'], drug: undefined, route: undefined }];
    else lines = [{ codes: ['96365', 'J3490'], drug: undefined, route: undefined }];
    for (let i = 0; i < lines.length && n < count; i++, n++) {
      const l = lines[i]!;
      yield {
        claimId: `C${String(claim).padStart(9, '0')}`,
        claimLine: i + 1,
        payer,
        lineOfBusiness,
        planType,
        dateOfService,
        pos: pos[0],
        setting: pos[1],
        procedureCodes: l.codes,
        diagnosisCodes: dx,
        providerParticipating: participating,
        drug: l.drug,
        route: l.route,
        malformed: r() < 0.0005,
      };
    }
  }
}

export function toNdjson(g: GeneratedLine): string {
  if (g.malformed)
    return `{"claimId":"${g.claimId}","payer":"${g.payer}","dateOfService":"${g.dateOfService.replace(/-/g, '/')}"}`;
  const o: Record<string, unknown> = {
    claimId: g.claimId,
    claimLine: g.claimLine,
    payer: g.payer,
    lineOfBusiness: g.lineOfBusiness,
    planType: g.planType,
    dateOfService: g.dateOfService,
    setting: g.setting,
    providerParticipating: g.providerParticipating,
  };
  if (g.drug) o.drug = g.drug;
  if (g.route) o.route = g.route;
  o.procedureCodes = g.procedureCodes;
  o.diagnosisCodes = g.diagnosisCodes;
  return JSON.stringify(o);
}

export const CSV_GENERATED_HEADER =
  'claim_id,line_number,payer,line_of_business,plan_type,date_of_service,place_of_service,procedure_code,modifiers,ndc,diagnosis_codes,provider_participating,drug,route,other_procedure_codes';

export function toCsv(g: GeneratedLine): string {
  const [code, ...others] = g.procedureCodes;
  return [
    g.claimId,
    g.claimLine,
    g.payer,
    g.lineOfBusiness,
    g.planType,
    g.malformed ? '2025-02-30' : g.dateOfService,
    g.pos,
    code,
    '',
    '',
    g.diagnosisCodes.join('|'),
    g.providerParticipating ? 'Y' : 'N',
    g.drug ?? '',
    g.route ?? '',
    others.join('|'),
  ].join(',');
}

// X12 837P: the same claims as one interchange. Drugs travel as synthetic NDCs (below), which
// the --ndc-map file SYNTHETIC_NDC_MAP names; they are made up for the benchmark, not real NDCs.
export const SYNTHETIC_NDC: Record<string, string> = {
  ketamine: '00000000001',
  lidocaine: '00000000002',
};
export const SYNTHETIC_NDC_MAP = 'ndc,drug\n00000000001,ketamine\n00000000002,lidocaine\n';

const FILING: Record<string, string> = {
  ppo: '12',
  pos: '13',
  epo: '14',
  indemnity: '15',
  hmo: 'HM',
};

function filing(g: GeneratedLine): string {
  if (g.lineOfBusiness === 'medicare-advantage') return '16';
  if (g.lineOfBusiness === 'fep') return 'FI';
  if (g.lineOfBusiness === 'medicaid') return 'MC';
  return FILING[g.planType] ?? 'CI';
}

export function* toX12(lines: Iterable<GeneratedLine>): Generator<string> {
  yield 'ISA*00*          *00*          *ZZ*MEDPOLICYBENCH *ZZ*PAYER          *250916*1200*^*00501*000000001*0*T*:~\nGS*HC*BENCH*PAYER*20250916*1200*1*X*005010X222A1~\nST*837*0001*005010X222A1~\nBHT*0019*00*1*20250916*1200*CH~\nNM1*41*2*BENCH*****46*1~\nHL*1**20*1~\nNM1*85*2*CLINIC*****XX*1234567893~\n';
  let segments = 6; // ST to the billing provider
  let hl = 1;
  let claim: GeneratedLine[] = [];
  const emit = (): string => {
    const c = claim[0]!;
    hl++;
    const dx = c.diagnosisCodes
      .map((d, i) => `${i === 0 ? 'ABK' : 'ABF'}:${d.replace('.', '')}`)
      .join('*');
    const seg = [
      `HL*${hl}*1*22*0`,
      `SBR*P*18*GRP******${filing(c)}`,
      'NM1*IL*1*DOE*PAT****MI*X1',
      `NM1*PR*2*PAYER*****PI*${c.payer}`,
      `CLM*${c.claimId}*100***${c.pos}:B:1*Y*A*Y*Y`,
      `HI*${dx}`,
      `DTP*472*D8*${c.dateOfService.replace(/-/g, '')}`,
    ];
    claim.forEach((l, i) => {
      const pointers = l.diagnosisCodes.map((_, k) => k + 1).join(':');
      seg.push(`LX*${i + 1}`, `SV1*HC:${l.procedureCodes[0]}*100*UN*1***${pointers}`);
      const ndc = l.drug ? SYNTHETIC_NDC[l.drug] : undefined;
      if (ndc && l.procedureCodes[0]!.startsWith('J')) seg.push(`LIN**N4*${ndc}`);
    });
    segments += seg.length;
    claim = [];
    return seg.join('~\n') + '~\n';
  };
  for (const g of lines) {
    if (claim.length > 0 && claim[0]!.claimId !== g.claimId) yield emit();
    claim.push(g);
  }
  if (claim.length > 0) yield emit();
  yield `SE*${segments + 1}*0001~\nGE*1*1~\nIEA*1*000000001~\n`;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const format = process.argv[3] ?? 'ndjson';
  const seed = Number(process.argv[4] ?? 42);
  const out = process.stdout;
  let buf = format === 'csv' ? CSV_GENERATED_HEADER + '\n' : '';
  const rows =
    format === 'x12'
      ? toX12(generateLines(count, seed))
      : (function* () {
          for (const g of generateLines(count, seed))
            yield (format === 'csv' ? toCsv(g) : toNdjson(g)) + '\n';
        })();
  for (const r of rows) {
    buf += r;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  out.write(buf);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
