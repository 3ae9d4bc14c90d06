import type { ComponentChildren } from 'preact';
import type { DeterminationV1, ReasonV1 } from '../api.js';
import {
  OUT_OF_SCOPE_WORDS,
  outcomePhrase,
  outcomeSign,
  outOfScopeLabel,
  priorAuthLabel,
} from '../labels.js';
import { quoteHref } from '../router.js';

export function OutcomeBadge(props: {
  d: Pick<DeterminationV1, 'outcome' | 'basis' | 'outOfScopeReason' | 'priorAuth'>;
}) {
  const { d } = props;
  return (
    <span class={`badge outcome-${d.outcome}`}>
      <span aria-hidden="true" class="sign">
        {outcomeSign(d.outcome)}
      </span>{' '}
      <span class="phrase">{outcomePhrase(d)}</span>
      <span class={`pa pa-${d.priorAuth}`}>{priorAuthLabel(d.priorAuth)}</span>
    </span>
  );
}

function Reason(props: { reason: ReasonV1; policyId?: string | undefined; version?: string }) {
  const { reason, policyId, version } = props;
  const c = reason.citation;
  return (
    <li class="reason">
      <p>
        {reason.text}
        {reason.rule && <code class="rule"> {reason.rule}</code>}
      </p>
      {c && <CitedQuote citation={c} policyId={policyId} version={version} />}
    </li>
  );
}

/** The policy's words, with a link to them on the policy page when the policy is known. */
export function CitedQuote(props: {
  citation: NonNullable<ReasonV1['citation']>;
  policyId?: string | undefined;
  version?: string | undefined;
}) {
  const { citation: c, policyId, version } = props;
  return (
    <blockquote>
      <p>“{c.quote}”</p>
      <footer>
        {policyId ? (
          <a href={quoteHref(policyId, version, c.quote)}>
            {c.source.replace(/#L\d+$/, '')}, line {c.line}
          </a>
        ) : (
          `${c.source}, line ${c.line}`
        )}
      </footer>
    </blockquote>
  );
}

/**
 * A determination whole: outcome, policy, reasons with their quotes, warnings, notices.
 * `children` go right under the answer (the Check page's questions), at a stable place in the
 * tree so a control in them keeps its focus when the determination changes.
 */
export function DeterminationView(props: {
  d: DeterminationV1 & { id?: string };
  children?: ComponentChildren;
}) {
  const { d } = props;
  const asked = new Map((d.questions ?? []).map((q) => [q.id, q.text]));
  const given = Object.entries(d.facts ?? {});
  const pid = d.policy?.id;
  const ver = d.policy?.version;
  return (
    <article class="determination" aria-label={`Determination for ${d.payer}`}>
      <header>
        <h3>
          {d.payer} <OutcomeBadge d={d} />
        </h3>
        {d.policy ? (
          <p class="muted">
            Policy{' '}
            <a
              href={`#/policies/${encodeURIComponent(d.policy.id)}?v=${encodeURIComponent(d.policy.version)}`}
            >
              {d.policy.number ? `${d.policy.number} ` : ''}
              {d.policy.title}
            </a>
            , version {d.policy.version} (in force from {d.policy.effectiveFrom}
            {d.policy.effectiveTo ? ` to ${d.policy.effectiveTo}` : ''})
          </p>
        ) : (
          <p class="muted">No policy of this payer speaks to the request.</p>
        )}
        <p class="muted small">
          {[
            d.indication && `indication ${d.indication}`,
            d.drug,
            d.route,
            `revision ${d.revision}`,
            d.id && `record ${d.id}`,
          ]
            .filter(Boolean)
            .join(' · ')}
        </p>
      </header>
      {props.children}
      {d.outOfScopeReason && <NonAnswer kind={d.outOfScopeReason} />}
      {given.length > 0 && (
        <section>
          <h4>Facts given</h4>
          <ul class="facts-given">
            {given.map(([fact, value]) => (
              <li key={fact}>
                <code>{fact}</code>: {value ? 'yes' : 'no'}
              </li>
            ))}
          </ul>
        </section>
      )}
      {d.reasons.length > 0 && (
        <section>
          <h4>Reasons</h4>
          <ol class="reasons">
            {d.reasons.map((r, i) => (
              <Reason key={i} reason={r} policyId={pid} {...(ver ? { version: ver } : {})} />
            ))}
          </ol>
        </section>
      )}
      {d.referTo.length > 0 && <p>Refer to: {d.referTo.join(', ')}</p>}
      {d.missing.length > 0 && (
        <section>
          <h4>Missing information</h4>
          <ul>
            {d.missing.map((m) => (
              <li key={m}>
                {asked.has(m) ? (
                  <>
                    {asked.get(m)} <code class="rule">{m}</code>
                  </>
                ) : (
                  m
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {d.warnings.length > 0 && (
        <section class="warnings" role="note">
          <h4>
            <span aria-hidden="true">⚠ </span>Warnings
          </h4>
          <ul>
            {d.warnings.map((w, i) => (
              <li key={i}>
                <code>{w.code}</code> {w.message}
                {w.subject ? ` (${w.subject})` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
      {d.notices.length > 0 && (
        <details class="notices">
          <summary>Notices ({d.notices.length})</summary>
          <ul>
            {d.notices.map((n, i) => (
              <li key={i}>
                <strong>{n.kind}</strong>: {n.text}{' '}
                {pid && <a href={quoteHref(pid, ver, n.citation.quote)}>line {n.citation.line}</a>}
              </li>
            ))}
          </ul>
        </details>
      )}
    </article>
  );
}

/** Which kind of out-of-scope this is, in words: only some of them mean "not restricted". */
function NonAnswer(props: { kind: keyof typeof OUT_OF_SCOPE_WORDS }) {
  const label = outOfScopeLabel(props.kind);
  return (
    <p class="non-answer" data-kind={props.kind}>
      <strong>Out of scope: {label}.</strong> {OUT_OF_SCOPE_WORDS[props.kind].meaning}
    </p>
  );
}

export function ErrorBox(props: { error: unknown }) {
  const e = props.error as {
    message?: string;
    status?: number;
    problem?: { hint?: string; title?: string; problems?: { detail?: string; path?: string }[] };
  };
  const title = e.problem?.title ?? 'Error';
  // A problem without a detail has its title as its message: say it once.
  const text = e.message ?? String(props.error);
  return (
    <div class="error" role="alert">
      <strong>{title}</strong>
      {e.status ? ` (${e.status})` : ''}
      {text !== title ? `: ${text}` : ''}
      {e.problem?.problems && (
        <ul>
          {e.problem.problems.map((p, i) => (
            <li key={i}>
              {p.path ? <code>{p.path}</code> : null} {p.detail}
            </li>
          ))}
        </ul>
      )}
      {e.problem?.hint && <p class="hint">{e.problem.hint}</p>}
      {e.status === 401 && <p class="hint">Enter an API key at the top of the page.</p>}
    </div>
  );
}
