import type { WarningV1 } from '../../model/determination.js';
import type { NormalizedRequest } from '../../model/normalized-request.js';
import type { Route } from '../../model/vocabulary.js';
import type { Drug } from '../../terminology/drugs.js';
import type { Terminology } from '../../terminology/terminology.js';

/**
 * The drug the request means: as named, or as its HCPCS drug codes name it (J2001–J2004
 * lidocaine, S0013 esketamine). J3490 is "unclassified drugs" and names nothing.
 */
export function inferDrug(
  req: NormalizedRequest,
  t: Terminology,
  warnings: WarningV1[],
): Drug | undefined {
  let fromCode: { drug: Drug; code: string } | undefined;
  let ambiguous = false;
  for (const pc of req.procedureCodes) {
    if (pc.system !== 'hcpcs') continue;
    const drugId = t.hcpcs.get(pc.code)?.drug;
    const drug = drugId ? t.drugs.drugs.get(drugId) : undefined;
    if (!drug) continue;
    if (fromCode && fromCode.drug !== drug) ambiguous = true;
    else fromCode ??= { drug, code: pc.code };
  }
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
        message: `drug ${named.id} was given, but HCPCS ${fromCode.code} names ${fromCode.drug.id}`,
        subject: fromCode.code,
      });
    }
    return named;
  }
  if (ambiguous) {
    warnings.push({
      code: 'drug-ambiguous',
      message: 'the procedure codes name more than one drug; give the drug',
      subject: 'procedureCodes',
    });
    return undefined;
  }
  if (fromCode) {
    warnings.push(drugInferred(fromCode.drug.id, fromCode.code));
    return fromCode.drug;
  }
  return undefined;
}

/** The route as given, or as the administration and drug codes imply it. */
export function inferRoutes(
  req: NormalizedRequest,
  t: Terminology,
  warnings: WarningV1[],
): readonly Route[] {
  // The routes of the first code that implies any, until a later code adds one: most requests
  // have one such code (or several implying the same), and then nothing is allocated.
  let implied: readonly Route[] = NO_ROUTES;
  let merged: Route[] | undefined;
  let firstCode: string | undefined;
  for (const pc of req.procedureCodes) {
    const routes = (pc.system === 'cpt' ? t.cpt : t.hcpcs).get(pc.code)?.routes;
    if (!routes) continue;
    if (firstCode === undefined) {
      firstCode = pc.code;
      implied = routes;
      continue;
    }
    for (const r of routes) {
      if (implied.includes(r)) continue;
      merged ??= [...implied];
      merged.push(r);
      implied = merged;
    }
  }
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
  if (implied.length === 1) warnings.push(routeInferred(implied[0]!, firstCode!));
  else if (implied.length > 1) {
    warnings.push({
      code: 'route-inferred',
      message: `route ${implied.join(' or ')} inferred from ${firstCode}`,
      subject: firstCode ?? 'procedureCodes',
    });
  }
  return implied;
}

const NO_ROUTES: readonly Route[] = Object.freeze([]);
const routesAlone = new Map<Route, readonly Route[]>();

/** The given route as a list: one shared, frozen list per route. */
function routeAlone(route: Route): readonly Route[] {
  let routes = routesAlone.get(route);
  if (!routes) routesAlone.set(route, (routes = Object.freeze([route])));
  return routes;
}

// The two commonest warnings, one frozen object per drug or route and code (codes that name a
// drug or imply a route are terminology's, so these stay small): a screening run would
// otherwise build the same message for most of its lines.
type WarningCache = Map<string, Map<string, WarningV1>>;
const drugWarnings: WarningCache = new Map();
const routeWarnings: WarningCache = new Map();

const drugInferredWarning = (drug: string, code: string): WarningV1 => ({
  code: 'drug-inferred',
  message: `drug ${drug} inferred from HCPCS ${code}`,
  subject: code,
});
const routeInferredWarning = (route: string, code: string): WarningV1 => ({
  code: 'route-inferred',
  message: `route ${route} inferred from ${code}`,
  subject: code,
});
const drugInferred = (drug: string, code: string) =>
  shared(drugWarnings, drug, code, drugInferredWarning);
const routeInferred = (route: Route, code: string) =>
  shared(routeWarnings, route, code, routeInferredWarning);

function shared(
  cache: WarningCache,
  what: string,
  code: string,
  make: (what: string, code: string) => WarningV1,
): WarningV1 {
  let byCode = cache.get(what);
  if (!byCode) cache.set(what, (byCode = new Map()));
  let w = byCode.get(code);
  if (!w) byCode.set(code, (w = Object.freeze(make(what, code))));
  return w;
}
