import { Readable } from 'node:stream';
import { X12Parser, type X12Segment } from 'node-x12';
import { problem, type Problem } from '../../model/problem.js';
import { isoDate, normalizeNdc } from './csv-reader.js';
import { payerMapKey } from './payer-map.js';
import { settingForPos } from '../../terminology/place-of-service.js';
import type { ProgressSink } from './progress.js';
import type { LineRef } from './rows.js';
import type { Screener } from './screener.js';
import { UsageError } from '../cli/exit-codes.js';

// X12 837P professional claims (005010X222A1), read as a stream of segments by node-x12's
// streaming parser; claims are assembled here, one CoverageRequest per service line:
//
//   NM1*PR (2010BB)  payer: its id (NM109) through --payer-map, or a medpolicy payer id as is
//   SBR (2000B)      SBR09 claim filing indicator → line of business and plan type (table below);
//                    SBR01 S/T with a Medicare SBR09 in loop 2320 → medicarePrimary
//   CLM (2300)       claim id (CLM01), place of service (CLM05-1)
//   HI               diagnoses (ABK principal, ABF other), in the order given
//   DTP*472          date of service, on the claim or on the line (the line's wins)
//   LX / SV1 (2400)  line number; HC:procedure code(:modifiers), SV105 place of service,
//                    SV107 diagnosis pointers: the line's diagnoses in pointer order
//   LIN*N4 (2410)    NDC → drug through --ndc-map (the claim's drug for its other lines too)
//
// Each line is decided with the claim's other procedure codes after its own, so an infusion
// line (96365) and the drug line (J3490 + NDC) of one claim are decided alike. `sourceLine` on
// an X12 row is the 1-based segment number of the line's SV1 (X12 has no meaningful lines).

/** SBR09 claim filing indicator → what it tells about the product (codes not listed: nothing). */
const FILING: Record<string, { lineOfBusiness?: string; planType?: string }> = {
  '12': { lineOfBusiness: 'commercial', planType: 'ppo' },
  '13': { lineOfBusiness: 'commercial', planType: 'pos' },
  '14': { lineOfBusiness: 'commercial', planType: 'epo' },
  '15': { lineOfBusiness: 'commercial', planType: 'indemnity' },
  '16': { lineOfBusiness: 'medicare-advantage', planType: 'hmo' },
  HM: { lineOfBusiness: 'commercial', planType: 'hmo' },
  BL: { lineOfBusiness: 'commercial' },
  CI: { lineOfBusiness: 'commercial' },
  FI: { lineOfBusiness: 'fep' },
  MC: { lineOfBusiness: 'medicaid' },
};
const MEDICARE_FILING = new Set(['MA', 'MB', '16']);

interface ServiceLine {
  segNo: number;
  lx: string | undefined;
  code: string | undefined;
  pos: string | undefined;
  pointers: string | undefined;
  dos: string | undefined;
  ndc: string | undefined;
  problem: Problem | undefined;
}

interface Claim {
  id: string;
  segNo: number;
  pos: string | undefined;
  dx: string[];
  dos: string | undefined;
  lines: ServiceLine[];
  otherFiling: string[];
}

/** Where each request field came from in the 837P, so an error names the segment. */
const FIELD_TO_SEGMENT: Record<string, string> = {
  payer: '/2010BB/NM1*PR/NM109',
  lineOfBusiness: '/2000B/SBR/SBR09',
  planType: '/2000B/SBR/SBR09',
  dateOfService: '/DTP*472', // the line's (2400) or the claim's (2300)
  setting: '/2300/CLM/CLM05',
  procedureCodes: '/2400/SV1/SV101',
  diagnosisCodes: '/2300/HI',
  drug: '/2410/LIN/LIN03',
};

function x12Path(p: Problem): Problem {
  const field = p.path.split('/')[1];
  const at = field === undefined ? undefined : FIELD_TO_SEGMENT[field];
  return at === undefined ? p : { ...p, path: at, detail: `${p.detail} (${p.path} from ${at})` };
}

/**
 * x12Path, and an unknown payer id that --payer-map did not map is named as the 837 gives it
 * (the lower-cased form tried as a medpolicy payer id is not what the user can look up), with a
 * hint naming --payer-map.
 */
function unmappedPayerPath(given: string): (p: Problem) => Problem {
  return (p) => {
    const q = x12Path(p);
    if (p.code !== 'unknown-payer') return q;
    const known = /is not one of: (.*)$/.exec(p.detail)?.[1];
    const hint = `map the 837 payer id (NM109) to a medpolicy payer with --payer-map FILE (CSV "id,payer")`;
    return {
      ...q,
      detail: `837 payer id '${given}' (NM1*PR NM109) is not in --payer-map and is not a medpolicy payer${known ? ` (one of: ${known})` : ''}`,
      hint: q.hint ? `${q.hint}; or ${hint}` : hint,
    };
  };
}

const el = (s: X12Segment, i: number): string => s.elements[i - 1]?.value?.trim() ?? '';

/**
 * The component separator an interchange declares: ISA16, the one character after the 15th
 * element separator (X12 5010: ISA is fixed-length; the element separator is its 4th character
 * and the segment terminator follows ISA16, both found by node-x12). ':' is only a common
 * choice: '>' is as usual, and splitting on a hard-coded ':' read no composite of such a file.
 * The repetition separator (ISA11, e.g. '^') separates repeats of an element; none of the
 * elements read here repeats, so it needs no handling beyond not being taken for a component one.
 */
function componentSeparator(isa: X12Segment): string {
  const c = isa.elements[15]?.value ?? '';
  return c.length === 1 && !/[\s\w]/.test(c) ? c : ':';
}

function dtpDate(s: X12Segment): string | undefined {
  const fmt = el(s, 2);
  const v = el(s, 3);
  if (fmt === 'D8') return isoDate(v);
  if (fmt === 'RD8') return isoDate(v.split('-')[0] ?? '');
  return v === '' ? undefined : v;
}

const X12_PIECE = 16 << 10;

/**
 * Cuts the input into the pieces the X12 parser is given, working around how node-x12's stream
 * parser (1.7.1) reads them:
 *  - a piece under 113 characters is dropped unread (a short last read reported a complete
 *    file as truncated), so every piece but a whole input that small is at least X12_PIECE;
 *  - after a piece that ends with the segment terminator, the unfinished segment of the piece
 *    before is put in front of the next one again, duplicating or garbling segments; so no
 *    piece ends with it, and after a final terminator a newline (blank between segments) ends
 *    the input;
 *  - a piece becomes all its segments at once, each a tree of objects (elements, ranges,
 *    positions): 1 MB pieces held enough of them to reach 900 MB and spend over half the time
 *    collecting garbage, so pieces are small.
 */
class PieceCutter {
  /** The terminator byte; -1 when the input has none to find. */
  private terminator: number | undefined;
  private pending: Buffer = Buffer.alloc(0);

  *add(c: Buffer): Generator<Buffer> {
    this.pending = this.pending.length === 0 ? c : Buffer.concat([this.pending, c]);
    if (this.terminator === undefined) {
      // The ISA segment has a fixed length of 106 characters; the last is the terminator.
      const isa = this.pending.indexOf('ISA');
      if (isa >= 0 && this.pending.length > isa + 105) this.terminator = this.pending[isa + 105];
      // No ISA near the start: not X12, which the parser will say; nothing is held back.
      else if (this.pending.length > X12_PIECE) this.terminator = -1;
      else return;
    }
    while (this.pending.length >= 2 * X12_PIECE) {
      let cut = X12_PIECE;
      while (cut > 1 && this.pending[cut - 1] === this.terminator) cut--;
      yield this.pending.subarray(0, cut);
      this.pending = this.pending.subarray(cut);
    }
  }

  *end(): Generator<Buffer> {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    if (rest.length === 0) return;
    yield rest[rest.length - 1] === this.terminator ? Buffer.concat([rest, NEWLINE]) : rest;
  }
}

const NEWLINE = Buffer.from('\n');

async function* readSegments(
  parser: AsyncIterable<unknown>,
  at: () => number,
): AsyncGenerator<X12Segment> {
  try {
    for await (const seg of parser) yield seg as X12Segment;
  } catch (e) {
    throw new UsageError(
      `reading the X12 input stopped after segment ${at()}: ${(e as Error).message}; is it an X12 837P interchange? (--format names the input's format)`,
    );
  }
}

export async function screenX12(
  chunks: AsyncIterable<Buffer>,
  s: Screener,
  write: (d: Uint8Array) => Promise<void>,
  ndcDrugs: ReadonlyMap<string, string> | undefined,
  payerMap: ReadonlyMap<string, string> | undefined,
  progress: ProgressSink | undefined,
): Promise<void> {
  let segNo = 0;
  let payerId: string | undefined;
  let sbrResp = '';
  let filing = '';
  let claim: Claim | undefined;
  let line: ServiceLine | undefined;
  let openTransaction = false;
  let transactionSeg = 0;
  let sawInterchangeEnd = false;
  let comp = ':';

  const emit = async () => {
    if (s.pendingBytes > 1 << 16) await write(s.takeRows());
  };

  const finishClaim = () => {
    if (!claim) return;
    const c = claim;
    claim = undefined;
    line = undefined;
    if (c.lines.length === 0) {
      s.error(
        { sourceLine: c.segNo, claimId: c.id, claimLine: undefined },
        problem('missing-field', `claim ${c.id} has no service line (LX/SV1)`, '/2400/SV1'),
      );
      return;
    }
    const codes = c.lines.map((l) => l.code).filter((x): x is string => !!x);
    let claimDrug: string | undefined;
    if (ndcDrugs)
      for (const l of c.lines) {
        const d = l.ndc ? ndcDrugs.get(normalizeNdc(l.ndc)) : undefined;
        if (d) {
          claimDrug = d;
          break;
        }
      }
    for (const l of c.lines) {
      const ref: LineRef = { sourceLine: l.segNo, claimId: c.id, claimLine: l.lx };
      if (l.problem) {
        s.error(ref, l.problem);
        continue;
      }
      const req: Record<string, unknown> = {};
      const mappedPayer = payerId === undefined ? undefined : payerMap?.get(payerMapKey(payerId));
      if (payerId !== undefined) req.payer = mappedPayer ?? payerId.toLowerCase();
      const f = FILING[filing];
      if (f?.lineOfBusiness) req.lineOfBusiness = f.lineOfBusiness;
      if (f?.planType) req.planType = f.planType;
      if ((sbrResp === 'S' || sbrResp === 'T') && c.otherFiling.some((x) => MEDICARE_FILING.has(x)))
        req.medicarePrimary = true;
      const dos = l.dos ?? c.dos;
      if (dos === undefined) {
        s.error(
          ref,
          problem(
            'missing-field',
            `claim ${c.id} line ${l.lx ?? '?'} has no service date (DTP*472)`,
            '/2400/DTP*472',
          ),
        );
        continue;
      }
      req.dateOfService = dos;
      const pos = l.pos || c.pos;
      if (pos) {
        const setting = settingForPos(pos);
        if (setting === null) {
          s.error(
            ref,
            problem(
              'invalid-value',
              `place of service '${pos}' is not a two-digit code`,
              l.pos ? '/2400/SV105' : '/2300/CLM05',
            ),
          );
          continue;
        }
        if (setting !== undefined) req.setting = setting;
      }
      req.procedureCodes = [l.code!, ...codes.filter((x) => x !== l.code)];
      let dx = c.dx;
      if (l.pointers) {
        dx = [];
        let bad: string | undefined;
        for (const p of l.pointers.split(comp)) {
          const code = c.dx[Number(p) - 1];
          if (code === undefined) bad = p;
          else dx.push(code);
        }
        if (bad !== undefined) {
          s.error(
            ref,
            problem(
              'invalid-value',
              `diagnosis pointer ${bad} points at no HI code (claim ${c.id} has ${c.dx.length})`,
              '/2400/SV107',
            ),
          );
          continue;
        }
      }
      if (dx.length > 0) req.diagnosisCodes = dx;
      const drug = (l.ndc && ndcDrugs?.get(normalizeNdc(l.ndc))) || claimDrug;
      if (drug) req.drug = drug;
      s.request(
        req,
        ref,
        undefined,
        payerId !== undefined && mappedPayer === undefined ? unmappedPayerPath(payerId) : x12Path,
      );
    }
  };

  const parser = new X12Parser(false);
  let bytesRead = 0;
  let bytesShown = 0;
  let rowsShown = 0;
  const cut = new PieceCutter();
  const counted = (async function* () {
    for await (const c of chunks) {
      bytesRead += c.length;
      for (const piece of cut.add(c)) {
        // It notes a (harmless) diagnostic for every piece that does not start with ISA.
        parser.diagnostics.length = 0;
        yield piece;
      }
    }
    yield* cut.end();
  })();
  const source = Readable.from(counted);
  // The parser throws inside its own write, so its failure surfaces on the source: it is handed
  // to the parser, whose reader below reports it instead of crashing the process.
  source.on('error', (e) => parser.destroy(e));
  const segments = readSegments(source.pipe(parser), () => segNo);
  for await (const seg of segments) {
    segNo++;
    switch (seg.tag) {
      case 'ISA':
        comp = componentSeparator(seg);
        break;
      case 'ST':
        openTransaction = true;
        transactionSeg = segNo;
        break;
      case 'SE':
      case 'GE':
        finishClaim();
        if (seg.tag === 'SE') openTransaction = false;
        break;
      case 'IEA':
        finishClaim();
        sawInterchangeEnd = true;
        break;
      case 'HL':
        finishClaim();
        if (el(seg, 3) === '22') {
          payerId = undefined;
          sbrResp = '';
          filing = '';
        }
        break;
      case 'SBR':
        if (claim) claim.otherFiling.push(el(seg, 9));
        else {
          sbrResp = el(seg, 1);
          filing = el(seg, 9);
        }
        break;
      case 'NM1':
        if (!claim && el(seg, 1) === 'PR') payerId = el(seg, 9) || el(seg, 3);
        break;
      case 'CLM':
        finishClaim();
        claim = {
          id: el(seg, 1),
          segNo,
          pos: el(seg, 5).split(comp)[0] || undefined,
          dx: [],
          dos: undefined,
          lines: [],
          otherFiling: [],
        };
        break;
      case 'HI':
        if (claim)
          for (const e of seg.elements) {
            const [q, code] = e.value.split(comp);
            if ((q === 'ABK' || q === 'ABF' || q === 'BK' || q === 'BF') && code)
              claim.dx.push(code);
          }
        break;
      case 'DTP':
        if (claim && el(seg, 1) === '472') {
          const d = dtpDate(seg);
          if (line) line.dos = d;
          else claim.dos = d;
        }
        break;
      case 'LX':
        if (claim) {
          line = {
            segNo,
            lx: el(seg, 1) || undefined,
            code: undefined,
            pos: undefined,
            pointers: undefined,
            dos: undefined,
            ndc: undefined,
            problem: undefined,
          };
          claim.lines.push(line);
        }
        break;
      case 'SV1':
        if (line) {
          line.segNo = segNo;
          const [q, code] = el(seg, 1).split(comp);
          if (q !== 'HC' || !code)
            line.problem = problem(
              'missing-field',
              `SV1 of claim ${claim!.id} line ${line.lx ?? '?'} has no HC procedure code (SV101 '${el(seg, 1)}')`,
              '/2400/SV101',
            );
          else line.code = code;
          line.pos = el(seg, 5) || undefined;
          line.pointers = el(seg, 7) || undefined;
        }
        break;
      case 'LIN':
        if (line && el(seg, 2) === 'N4') line.ndc = el(seg, 3);
        break;
    }
    if ((segNo & 1023) === 0) {
      await emit();
      // Progress in bytes read and claim lines screened (X12 has no meaningful lines).
      progress?.advance(bytesRead - bytesShown, s.rows - rowsShown);
      bytesShown = bytesRead;
      rowsShown = s.rows;
    }
  }
  finishClaim();
  if (openTransaction || !sawInterchangeEnd) {
    s.error(
      {
        sourceLine: openTransaction ? transactionSeg : segNo,
        claimId: undefined,
        claimLine: undefined,
      },
      problem(
        'invalid-value',
        openTransaction
          ? `the transaction set starting at segment ${transactionSeg} ends without SE: the file is truncated`
          : 'the interchange ends without IEA: the file is truncated',
        openTransaction ? '/ST' : '/IEA',
      ),
    );
  }
  if (s.pendingBytes > 0) await write(s.takeRows());
}
