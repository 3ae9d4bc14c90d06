import { Fragment, type JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  api,
  type PolicyDetail,
  type PolicyIndex,
  type PolicyVersionDetail,
  type ReasonV1,
} from '../api.js';
import { ErrorBox } from '../components/determination-view.js';
import { indexSource, locateRange, normalizeWhitespace } from '../../policies/quote-locator.js';
import { pieces, type Piece } from '../highlight.js';
import { href, type Route } from '../router.js';

interface Cited {
  rule: string;
  kind: string;
  text: string;
  quote: string;
  line: number;
}

/** Every cited reason of a version, each with the rule that cites it. */
function citedRules(v: PolicyVersionDetail): Cited[] {
  const out: Cited[] = [];
  const add = (kind: string, fallback: string, reasons: readonly ReasonV1[]) => {
    for (const r of reasons) {
      if (!r.citation) continue;
      out.push({
        rule: r.rule ?? fallback,
        kind,
        text: r.text,
        quote: r.citation.quote,
        line: r.citation.line,
      });
    }
  };
  add('version', `version:${v.id}`, v.changeReasons);
  for (const s of v.statements) add('statement', `statement:${s.id}`, s.reasons);
  for (const x of v.exclusions) add('exclusion', `exclusion:${x.id}`, x.reasons);
  for (const p of v.productRules) add('product', `product:${p.id}`, p.reasons);
  for (const p of v.priorAuthRules) add('prior auth', `prior-auth:${p.id}`, p.reasons);
  add('prior auth', 'prior-auth:default', v.priorAuthDefaultReasons);
  for (const c of v.codes) add('code', `code:${c.code}`, c.reasons);
  for (const n of v.notices) {
    for (const x of n.notices) {
      out.push({
        rule: `notice:${n.id}`,
        kind: 'notice',
        text: x.text,
        quote: x.citation.quote,
        line: x.citation.line,
      });
    }
  }
  return out;
}

const domId = (prefix: string, key: string) => `${prefix}-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function jump(id: string) {
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView({ block: 'center' });
  el.focus({ preventScroll: true });
}

export function PoliciesPage(props: { route: Route }) {
  const [index, setIndex] = useState<PolicyIndex | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api.policies().then(setIndex, setError);
  }, []);
  const id = props.route.rest[0];
  return (
    <section aria-labelledby="policies-title" class="policies">
      <h2 id="policies-title">Policies</h2>
      {error !== undefined && <ErrorBox error={error} />}
      <nav aria-label="Policies" class="policy-list">
        <ul>
          {index?.policies.map((p) => (
            <li key={p.id}>
              <a href={href('policies', [p.id])} aria-current={p.id === id ? 'page' : undefined}>
                <strong>{p.payers.join(', ')}</strong> {p.number ? `${p.number} ` : ''}
                {p.title}
              </a>
            </li>
          ))}
        </ul>
        {index && <p class="muted small">Policy-set revision {index.revision}</p>}
      </nav>
      {id ? <PolicyView key={id} id={id} params={props.route.params} /> : <p>Choose a policy.</p>}
    </section>
  );
}

function PolicyView(props: { id: string; params: URLSearchParams }) {
  const [policy, setPolicy] = useState<PolicyDetail | undefined>();
  const [source, setSource] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  // Keyed by id in the parent: each policy starts from empty state.
  useEffect(() => {
    api.policy(props.id).then(setPolicy, setError);
    api.source(props.id).then(setSource, setError);
  }, [props.id]);

  const wanted = props.params.get('v');
  const quote = props.params.get('quote');
  const version =
    policy?.versions.find((v) => v.id === wanted) ?? policy?.versions[policy.versions.length - 1];
  const cited = useMemo(() => (version ? citedRules(version) : []), [version]);

  // One highlight per distinct quote, shared by every rule that cites it.
  const { ranges, rulesOf, targetKey } = useMemo(() => {
    const rules = new Map<string, Cited[]>();
    for (const c of cited) {
      const key = normalizeWhitespace(c.quote);
      rules.set(key, [...(rules.get(key) ?? []), c]);
    }
    const target = quote ? normalizeWhitespace(quote) : undefined;
    const r = new Map<string, [number, number]>();
    if (source) {
      const indexed = indexSource(props.id, source);
      for (const key of target && !rules.has(target) ? [...rules.keys(), target] : rules.keys()) {
        const range = locateRange(indexed, key);
        if (range) r.set(key, range);
      }
    }
    return {
      ranges: r,
      rulesOf: rules,
      targetKey: target,
    };
  }, [cited, source, quote, props.id]);

  const keys = [...ranges.keys()];
  const markId = (key: string) => `q${keys.indexOf(key)}`;

  useEffect(() => {
    if (targetKey && ranges.has(targetKey)) setTimeout(() => jump(markId(targetKey)), 0);
  }, [targetKey, ranges]);

  if (error !== undefined) return <ErrorBox error={error} />;
  if (!policy || !version || source === undefined) {
    return <p aria-live="polite">Loading policy…</p>;
  }

  const ruleIds = [...new Set(cited.map((c) => c.rule))];
  const unfound = cited.filter((c) => !ranges.has(normalizeWhitespace(c.quote)));
  const textPieces = source ? pieces(source, ranges) : [];

  return (
    <article class="policy" aria-labelledby="policy-title">
      <header>
        <h3 id="policy-title">
          {policy.number ? `${policy.number} · ` : ''}
          {policy.title}
        </h3>
        <p class="muted">
          {policy.publisher} · payers {policy.payers.join(', ')} · {policy.asOf} ·{' '}
          <code>{policy.file}</code>
        </p>
      </header>
      <section aria-labelledby="timeline-title">
        <h4 id="timeline-title">Versions</h4>
        <ol class="timeline">
          {policy.versions.map((v) => (
            <li key={v.id} class={v.id === version.id ? 'current' : ''}>
              <a
                href={href('policies', [policy.id], { v: v.id })}
                aria-current={v.id === version.id ? 'true' : undefined}
              >
                <strong>{v.id}</strong>
                <span class="small">
                  {v.effectiveFrom} → {v.effectiveTo ?? 'now'}
                </span>
                {!v.textAvailable && <span class="small muted">text not kept</span>}
              </a>
            </li>
          ))}
        </ol>
        <ul class="small">
          {version.changeReasons.map((r, i) => (
            <li key={i}>{r.citation?.quote ?? r.text}</li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="codes-title">
        <h4 id="codes-title">Codes in version {version.id}</h4>
        {version.codes.length === 0 ? (
          <p class="muted">The policy lists no codes.</p>
        ) : (
          <ul class="codes">
            {version.codes.map((c) => (
              <li key={`${c.system}:${c.code}`}>
                <code>{c.code}</code> <span class="muted small">{c.system}</span>{' '}
                {c.reasons[0]?.citation?.quote.replace(c.code, '').trim()}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div class="policy-body">
        <section aria-labelledby="rules-title" class="rules">
          <h4 id="rules-title">Rules and their quotes ({ruleIds.length})</h4>
          <ul>
            {ruleIds.map((rule) => {
              const mine = cited.filter((c) => c.rule === rule);
              return (
                <li key={rule} id={domId('rule', rule)} tabIndex={-1}>
                  <code>{rule}</code> <span class="muted small">{mine[0]?.kind}</span>
                  <ul>
                    {mine.map((c, i) => {
                      const key = normalizeWhitespace(c.quote);
                      return (
                        <li key={i}>
                          {c.text}{' '}
                          {ranges.has(key) ? (
                            <button type="button" class="link" onClick={() => jump(markId(key))}>
                              line {c.line} in the source
                            </button>
                          ) : (
                            <span class="muted">line {c.line} (quote not found in this text)</span>
                          )}
                        </li>
                      );
                    })}
                  </ul>
                </li>
              );
            })}
          </ul>
          {unfound.length > 0 && (
            <p class="muted small">{unfound.length} quotes not located in the source text.</p>
          )}
        </section>
        <section aria-labelledby="source-title" class="source">
          <h4 id="source-title">
            Source document <span class="muted small">{policy.source}</span>
          </h4>
          <p class="muted small">
            Highlighted: every quote a rule of version {version.id} cites ({ranges.size} spans).
            Each highlight lists the rules citing it.
          </p>
          <pre class="source-text">{renderSource(textPieces, markId, rulesOf, targetKey)}</pre>
        </section>
      </div>
    </article>
  );
}

/** The source text with line numbers (cited lines are numbered) and its cited spans marked. */
function renderSource(
  textPieces: Piece[],
  markId: (key: string) => string,
  rulesOf: Map<string, Cited[]>,
  targetKey: string | undefined,
) {
  let line = 1;
  let started = false;
  const ln = (n: number) => (
    <span class="ln" aria-hidden="true" key={`ln${n}`}>
      {n}
    </span>
  );
  const numbered = (text: string): (string | JSX.Element)[] => {
    const out: (string | JSX.Element)[] = [];
    if (!started) {
      out.push(ln(line));
      started = true;
    }
    text.split('\n').forEach((part, i) => {
      if (i > 0) out.push('\n', ln(++line));
      if (part) out.push(part);
    });
    return out;
  };
  return textPieces.map((p, i) => {
    const body = numbered(p.text);
    if (p.cites.length === 0) return <Fragment key={i}>{body}</Fragment>;
    return (
      <mark
        key={i}
        id={p.starts[0] ? markId(p.starts[0]) : undefined}
        tabIndex={p.starts[0] ? -1 : undefined}
        class={p.cites.includes(targetKey ?? '\u0000') ? 'target' : undefined}
      >
        {body}
        {p.starts.map((k) => (
          <span key={k} class="cited-by">
            {(rulesOf.get(k) ?? []).length === 0 ? (
              <span class="rule-ref">linked quote</span>
            ) : (
              [...new Set((rulesOf.get(k) ?? []).map((c) => c.rule))].map((rule) => (
                <button
                  key={rule}
                  type="button"
                  class="rule-ref"
                  onClick={() => jump(domId('rule', rule))}
                >
                  {rule}
                </button>
              ))
            )}
          </span>
        ))}
      </mark>
    );
  });
}
