import type { WarningV1 } from '../../model/determination.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import type { Route } from '../../model/vocabulary.js';
import type { Drug } from '../../terminology/drugs.js';
import type { Terminology } from '../../terminology/terminology.js';
import type { ProcedureFacts } from '../code-facts.js';
import { emptyList } from '../../model/empty-list.js';

/** What the procedure codes say of drug and route, gathered in one pass over them. */
export interface ProcedureReading {
  /** The first HCPCS code that names a drug. */
  drugCode: ProcedureFacts | undefined;
  /** A later HCPCS code names another drug. */
  drugAmbiguous: boolean;
  /** The first code that implies a route. */
  routeCode: ProcedureFacts | undefined;
  /** The routes implied: the first code's, with any a later code adds. */
  implied: readonly Route[];
}

/** Adds one procedure code (in request order) to what the codes say. */
export function readProcedure(r: ProcedureReading, p: ProcedureFacts): void {
  const drug = p.drug;
  if (drug) {
    if (r.drugCode && r.drugCode.drug !== drug) r.drugAmbiguous = true;
    else r.drugCode ??= p;
  }
  const routes = p.routes;
  if (!routes) return;
  if (r.routeCode === undefined) {
    r.routeCode = p;
    r.implied = routes;
    return;
  }
  // The first code's routes until a later code adds one: most requests have one such code (or
  // several implying the same), and then nothing is allocated.
  let merged: Route[] | undefined;
  for (const route of routes) {
    if ((merged ?? r.implied).includes(route)) continue;
    merged ??= [...r.implied];
    merged.push(route);
  }
  if (merged) r.implied = merged;
}

/**
 * The drug the request means: as named, or as its HCPCS drug codes name it (J2001–J2004
 * lidocaine, S0013 esketamine). J3490 is "unclassified drugs" and names nothing.
 */
export function inferDrug(
  req: NormalizedRequest,
  r: ProcedureReading,
  t: Terminology,
  warnings: WarningV1[],
): Drug | undefined {
  const fromCode = r.drugCode;
  if (req.drug !== undefined) {
    const named = t.drugs.resolve(req.drug);
    if (!named) {
      warnings.push({
        code: 'unknown-drug',
        message: `"${req.drug}" is not a drug medpolicy knows (policies/valuesets/drugs.yaml)`,
        subject: req.drug,
      });
    } else if (fromCode && fromCode.drug !== named) {
      warnings.push({
        code: 'drug-code-conflict',
        message: `drug ${named.id} was given, but HCPCS ${fromCode.code} names ${fromCode.drug!.id}`,
        subject: fromCode.code,
      });
    }
    return named;
  }
  if (r.drugAmbiguous) {
    warnings.push({
      code: 'drug-ambiguous',
      message: 'the procedure codes name more than one drug; give the drug',
      subject: 'procedureCodes',
    });
    return undefined;
  }
  if (fromCode) {
    warnings.push(fromCode.drugInferred!);
    return fromCode.drug;
  }
  return undefined;
}

/** The route as given, or as the administration and drug codes imply it. */
export function inferRoutes(
  req: NormalizedRequest,
  r: ProcedureReading,
  warnings: WarningV1[],
): readonly Route[] {
  const implied = r.implied;
  const firstCode = r.routeCode?.code;
  if (req.route !== undefined) {
    if (implied.length > 0 && !implied.includes(req.route)) {
      warnings.push({
        code: 'route-code-conflict',
        message: `route ${req.route} was given, but the procedure codes imply ${implied.join(' or ')}`,
        subject: firstCode ?? 'procedureCodes',
      });
    }
    return routeAlone(req.route);
  }
  // One route implied: the first implying code implies it alone, and has its warning built.
  if (implied.length === 1) warnings.push(r.routeCode!.routeInferred!);
  else if (implied.length > 1) {
    warnings.push({
      code: 'route-inferred',
      message: `route ${implied.join(' or ')} inferred from ${firstCode}`,
      subject: firstCode ?? 'procedureCodes',
    });
  }
  return implied;
}

export const NO_ROUTES: readonly Route[] = emptyList();
const routesAlone = new Map<Route, readonly Route[]>();

/** The given route as a list: one shared list per route (plain: see code-facts.ts). */
function routeAlone(route: Route): readonly Route[] {
  let routes = routesAlone.get(route);
  if (!routes) routesAlone.set(route, (routes = [route]));
  return routes;
}
