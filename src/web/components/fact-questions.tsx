import type { QuestionV1 } from '../../model/determination.js';
import { CitedQuote } from './determination-view.js';

/** A question as first asked, with the policy version whose words make it matter. */
export interface AskedQuestion {
  question: QuestionV1;
  policyId?: string | undefined;
  version?: string | undefined;
}

export type Answer = 'yes' | 'no' | 'unknown';

const CHOICES: readonly (readonly [Answer, string])[] = [
  ['yes', 'Yes'],
  ['no', 'No'],
  ['unknown', 'Not known'],
];

export const answerOf = (facts: Readonly<Record<string, boolean>>, fact: string): Answer =>
  facts[fact] === undefined ? 'unknown' : facts[fact] ? 'yes' : 'no';

/**
 * The facts a conditional answer turns on, asked in the policy's own terms. The questions stay
 * after they are answered (the answer that settles one no longer asks it), so an answer can be
 * changed; "Not known" takes the fact out of the request again.
 */
export function FactQuestions(props: {
  asked: readonly AskedQuestion[];
  facts: Readonly<Record<string, boolean>>;
  onAnswer: (fact: string, answer: Answer) => void;
}) {
  const { asked, facts, onAnswer } = props;
  return (
    <section class="questions" aria-labelledby="questions-title">
      <h4 id="questions-title">Questions the policy asks</h4>
      <p class="muted small">
        Each answer decides the request again and is recorded; “Not known” leaves the question open.
      </p>
      {asked.map(({ question: q, policyId, version }) => {
        const c = q.reason.citation;
        const name = `fact-${q.fact}`;
        const current = answerOf(facts, q.fact);
        return (
          <fieldset key={q.fact} class="question" aria-describedby={`${name}-given ${name}-why`}>
            <legend>{q.text}</legend>
            <div class="choices">
              {CHOICES.map(([value, label]) => (
                <label key={value} class="choice">
                  <input
                    type="radio"
                    name={name}
                    value={value}
                    checked={current === value}
                    onChange={() => onAnswer(q.fact, value)}
                  />
                  {label}
                </label>
              ))}
            </div>
            <p class="small given" id={`${name}-given`}>
              {current === 'unknown' ? 'Not given.' : `Given: ${q.answers[current]}.`}
            </p>
            <div id={`${name}-why`} class="why">
              <p class="small">{q.reason.text}</p>
              {c && <CitedQuote citation={c} policyId={policyId} version={version} />}
            </div>
          </fieldset>
        );
      })}
    </section>
  );
}
