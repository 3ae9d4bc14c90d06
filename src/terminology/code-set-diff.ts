import type { CompiledPolicySet } from '../model/compiled-policy.js';
import type { IcdRelease } from './cms-order-file.js';
import { displayIcd10cm } from './code-format.js';
import { windowOn, type CodeSystem } from './code-system.js';
import type { AmbiguousPlacement, IndicationIndex } from './indications.js';

// What a new ICD-10-CM release changes for the value sets and the policies, for the analyst to
// review before it goes live (every October 1). Pure: the releases, the value sets compiled
// against each, and the policy set come in; a report comes out.

export interface ReleaseSnapshot {
  label: string;
  effectiveFrom: string;
  codes: ReadonlyMap<string, { billable: boolean; short: string }>;
}

export function snapshotOfRelease(r: IcdRelease): ReleaseSnapshot {
  return {
    label: r.label,
    effectiveFrom: r.effectiveFrom,
    codes: new Map(r.entries.map((e) => [e.code, { billable: e.billable, short: e.short }])),
  };
}

/** The codes a code system holds on a date: the release in force that day. */
export function snapshotOn(cs: CodeSystem, date: string, label: string): ReleaseSnapshot {
  const codes = new Map<string, { billable: boolean; short: string }>();
  for (const r of cs.all()) {
    const w = windowOn(r, date);
    if (w) codes.set(r.code, { billable: w.billable, short: r.display });
  }
  return { label, effectiveFrom: date, codes };
}

export type ChangeKind = 'added' | 'deleted' | 'became-header' | 'became-billable' | 'moved';

export interface CodeChange {
  code: string;
  kind: ChangeKind;
  short: string;
  /** For a code whose family changed without the code changing ("moved"). */
  fromFamily?: string;
}

export interface FamilyImpact {
  family: string;
  label: string;
  entering: CodeChange[];
  leaving: CodeChange[];
  statusChanged: CodeChange[];
}

export interface PolicyImpact {
  policy: string;
  title: string;
  version: string | undefined;
  families: string[];
  codes: number;
}

export interface CodeSetDiff {
  from: { label: string; effectiveFrom: string; codes: number };
  to: { label: string; effectiveFrom: string; codes: number };
  counts: Record<Exclude<ChangeKind, 'moved'>, number>;
  families: FamilyImpact[];
  /** New codes under an entry divided between families: the analyst must place them. */
  ambiguous: { code: string; short: string; placement: AmbiguousPlacement }[];
  /** Value-set entries naming a code the new release does not hold. */
  staleEntries: { entry: string; family: string }[];
  policies: PolicyImpact[];
}

export function diffCodeSets(
  from: ReleaseSnapshot,
  to: ReleaseSnapshot,
  before: IndicationIndex,
  after: IndicationIndex,
  policySet: CompiledPolicySet,
): CodeSetDiff {
  const counts = { added: 0, deleted: 0, 'became-header': 0, 'became-billable': 0 };
  const impacts = new Map<string, FamilyImpact>();
  const impact = (family: string) => {
    let i = impacts.get(family);
    if (!i) {
      const label =
        after.families.get(family)?.label ?? before.families.get(family)?.label ?? family;
      impacts.set(family, (i = { family, label, entering: [], leaving: [], statusChanged: [] }));
    }
    return i;
  };
  const ambiguous: CodeSetDiff['ambiguous'] = [];

  for (const [code, t] of to.codes) {
    const f = from.codes.get(code);
    const familyAfter = after.classify(code)?.family;
    if (!f) {
      counts.added++;
      const change: CodeChange = { code, kind: 'added', short: t.short };
      if (familyAfter) impact(familyAfter).entering.push(change);
      const placement = after.ambiguity(code);
      if (placement) ambiguous.push({ code, short: t.short, placement });
      continue;
    }
    const familyBefore = before.classify(code)?.family;
    if (f.billable !== t.billable) {
      const kind = t.billable ? 'became-billable' : 'became-header';
      counts[kind]++;
      if (familyAfter) impact(familyAfter).statusChanged.push({ code, kind, short: t.short });
    }
    if (familyBefore !== familyAfter) {
      const moved: CodeChange = {
        code,
        kind: 'moved',
        short: t.short,
        ...(familyBefore ? { fromFamily: familyBefore } : {}),
      };
      if (familyBefore) impact(familyBefore).leaving.push(moved);
      if (familyAfter) impact(familyAfter).entering.push(moved);
      const placement = after.ambiguity(code);
      if (placement && !familyAfter) ambiguous.push({ code, short: t.short, placement });
    }
  }
  for (const [code, f] of from.codes) {
    if (to.codes.has(code)) continue;
    counts.deleted++;
    const family = before.classify(code)?.family;
    if (family) impact(family).leaving.push({ code, kind: 'deleted', short: f.short });
  }

  const staleEntries = [...after.entries]
    .filter(([prefix, m]) => !m.entry.includes('-') && !to.codes.has(prefix))
    .map(([, m]) => ({ entry: m.entry, family: m.family }));

  const families = [...impacts.values()].sort((a, b) => a.family.localeCompare(b.family));
  const policies: PolicyImpact[] = [];
  for (const p of policySet.policies) {
    // The version in force when the new release takes effect is the one it will meet.
    const version = [...p.versions].reverse().find((v) => v.effectiveFrom <= to.effectiveFrom);
    if (!version) continue;
    const touched = families.filter((i) => {
      const idx = version.byFamily.get(i.family);
      return idx !== undefined && (idx.statements.length > 0 || idx.exclusions.length > 0);
    });
    const ambiguousHere = ambiguous.filter(
      (a) =>
        version.byFamily.has(a.placement.broaderFamily) ||
        a.placement.otherFamilies.some((f) => version.byFamily.has(f)),
    );
    if (touched.length === 0 && ambiguousHere.length === 0) continue;
    policies.push({
      policy: p.id,
      title: p.title,
      version: version.id,
      families: touched.map((t) => t.family),
      codes:
        touched.reduce(
          (n, t) => n + t.entering.length + t.leaving.length + t.statusChanged.length,
          0,
        ) + ambiguousHere.length,
    });
  }
  return {
    from: { label: from.label, effectiveFrom: from.effectiveFrom, codes: from.codes.size },
    to: { label: to.label, effectiveFrom: to.effectiveFrom, codes: to.codes.size },
    counts,
    families,
    ambiguous,
    staleEntries,
    policies,
  };
}

/** The report as text, one section per question the analyst asks. */
export function renderCodeSetDiff(d: CodeSetDiff, limit = 12): string {
  const lines: string[] = [];
  const code = (c: { code: string; short: string }) => `${displayIcd10cm(c.code)} ${c.short}`;
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(`    ${title} (${items.length}):`);
    for (const s of items.slice(0, limit)) lines.push(`      ${s}`);
    if (items.length > limit)
      lines.push(`      … ${items.length - limit} more (--format json lists all)`);
  };
  lines.push(
    `ICD-10-CM ${d.from.label} (${d.from.effectiveFrom}, ${d.from.codes} codes) → ${d.to.label} (${d.to.effectiveFrom}, ${d.to.codes} codes)`,
    `  ${d.counts.added} added, ${d.counts.deleted} deleted, ${d.counts['became-header']} became headers, ${d.counts['became-billable']} became billable`,
    '',
    'Value sets (policies/valuesets/indications.yaml):',
  );
  if (d.families.length === 0) lines.push('  no family gains, loses or changes a code');
  for (const f of d.families) {
    lines.push(`  ${f.family} (${f.label}):`);
    list(
      'enter',
      f.entering.map(
        (c) => `${code(c)}${c.kind === 'moved' ? ` (was ${c.fromFamily ?? 'in no family'})` : ''}`,
      ),
    );
    list(
      'leave',
      f.leaving.map(
        (c) => `${code(c)}${c.kind === 'moved' ? ' (placed elsewhere)' : ' (deleted)'}`,
      ),
    );
    list(
      'billable status changes',
      f.statusChanged.map(
        (c) => `${code(c)}: ${c.kind === 'became-header' ? 'now a header' : 'now billable'}`,
      ),
    );
  }
  lines.push(
    '',
    'New codes whose family the value sets leave open (place them, then set reviewedAgainst):',
  );
  if (d.ambiguous.length === 0) lines.push('  none');
  for (const a of d.ambiguous) {
    lines.push(
      `  ${code(a)}: under ${a.placement.entry} (${a.placement.broaderFamily}), divided with ${a.placement.otherFamilies.join(', ')}`,
    );
  }
  lines.push('', 'Value-set entries that name no code of the new release:');
  if (d.staleEntries.length === 0) lines.push('  none');
  for (const s of d.staleEntries) lines.push(`  ${s.entry} (${s.family})`);
  lines.push('', 'Policies whose indications the release touches:');
  if (d.policies.length === 0) lines.push('  none');
  for (const p of d.policies) {
    lines.push(
      `  ${p.policy} (version ${p.version}): ${p.codes} code changes in ${p.families.join(', ') || 'no family'}`,
    );
  }
  return lines.join('\n');
}
