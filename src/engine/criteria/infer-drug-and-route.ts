import type { WarningV1 } from '../../model/determination.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import type { Route } from '../../model/vocabulary.js';
import type { Drug } from '../../terminology/drugs.js';
import type { Terminology } from '../../terminology/terminology.js';
import type { ProcedureList } from '../code-lists.js';

/**
 * The drug the request means: as named, or as its HCPCS drug codes name it (J2001–J2004
 * lidocaine, S0013 esketamine). J3490 is "unclassified drugs" and names nothing. What the codes
 * name is worked out once per list of codes (code-lists.ts).
 */
export function inferDrug(
  req: NormalizedRequest,
  codes: ProcedureList,
  t: Terminology,
  warnings: WarningV1[],
): Drug | undefined {
  const fromCode = codes.codeDrug;
  if (req.drug !== undefined) {
    const named = t.drugs.resolve(req.drug);
    if (!named) {
      warnings.push({
        code: 'unknown-drug',
        message: `"${req.drug}" is not a drug medpolicy knows (policies/valuesets/drugs.yaml)`,
        subject: req.drug,
      });
    } else if (fromCode && fromCode !== named) {
      warnings.push({
        code: 'drug-code-conflict',
        message: `drug ${named.id} was given, but HCPCS ${codes.codeDrugCode} names ${fromCode.id}`,
        subject: codes.codeDrugCode!,
      });
    }
    return named;
  }
  if (codes.drugAmbiguous) {
    warnings.push(DRUG_AMBIGUOUS);
    return undefined;
  }
  if (codes.drugInferred) warnings.push(codes.drugInferred);
  return fromCode;
}

const DRUG_AMBIGUOUS: WarningV1 = Object.freeze({
  code: 'drug-ambiguous',
  message: 'the procedure codes name more than one drug; give the drug',
  subject: 'procedureCodes',
});

/** The route as given, or as the administration and drug codes imply it. */
export function inferRoutes(
  req: NormalizedRequest,
  codes: ProcedureList,
  warnings: WarningV1[],
): readonly Route[] {
  const implied = codes.implied;
  if (req.route !== undefined) {
    if (implied.length > 0 && !implied.includes(req.route)) {
      warnings.push({
        code: 'route-code-conflict',
        message: `route ${req.route} was given, but the procedure codes imply ${implied.join(' or ')}`,
        subject: codes.routeCode ?? 'procedureCodes',
      });
    }
    return routeAlone(req.route);
  }
  if (codes.routeInferred) warnings.push(codes.routeInferred);
  return implied;
}

const routesAlone = new Map<Route, readonly Route[]>();

/** The given route as a list: one shared list per route (not frozen: see code-lists.ts). */
function routeAlone(route: Route): readonly Route[] {
  let routes = routesAlone.get(route);
  if (!routes) routesAlone.set(route, (routes = [route]));
  return routes;
}
