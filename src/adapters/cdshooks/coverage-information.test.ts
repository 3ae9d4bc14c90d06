import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildCoverageInformation,
  checkCoverageInformation,
  COVERAGE_INFORMATION_URL,
  CRD_VERSIONS,
  type CoverageAssertion,
} from './coverage-information.js';

const base = {
  coverageReference: 'Coverage/c1',
  date: '2025-09-15',
  assertionId: 'a-1',
  infoNeeded: [],
  reasons: [],
};
const link = { url: 'https://x.example/p/1', qualification: 'Policy 1' };

function sub(ext: Record<string, unknown>, url: string): unknown[] {
  return (ext['extension'] as { url: string; [k: string]: unknown }[])
    .filter((e) => e.url === url)
    .map((e) => Object.entries(e).find(([k]) => k.startsWith('value'))?.[1] ?? e);
}

const ASSERTIONS: [string, CoverageAssertion][] = [
  ['covered, no auth', { ...base, covered: 'covered', paNeeded: 'no-auth', policyLink: link }],
  ['covered, auth needed', { ...base, covered: 'covered', paNeeded: 'auth-needed' }],
  [
    'not covered',
    { ...base, covered: 'not-covered', reasons: [{ text: 'investigational' }], policyLink: link },
  ],
  [
    'not covered with a stray pa-needed',
    { ...base, covered: 'not-covered', paNeeded: 'no-auth', reasons: [{ text: 'x' }] },
  ],
  [
    'conditional without info-needed',
    { ...base, covered: 'conditional', reasons: [{ text: 'FEP benefit plan' }] },
  ],
  [
    'conditional pa on location',
    {
      ...base,
      covered: 'covered',
      paNeeded: 'conditional',
      infoNeeded: ['location'],
      reasons: [{ text: 'setting' }],
    },
  ],
  [
    'indeterminate, technical',
    {
      ...base,
      covered: 'indeterminate',
      paNeeded: 'indeterminate',
      reasons: [{ code: 'technical', text: 'EHR down' }],
    },
  ],
  [
    'indeterminate, coverage not found',
    { ...base, covered: 'indeterminate', reasons: [{ code: 'coverage-not-found', text: 'Acme' }] },
  ],
];

describe('coverage-information extension', () => {
  for (const version of CRD_VERSIONS)
    for (const [name, a] of ASSERTIONS)
      it(`${name}: valid CRD ${version} content`, () => {
        const ext = buildCoverageInformation(a, version);
        assert.equal(ext['url'], COVERAGE_INFORMATION_URL);
        assert.deepEqual(checkCoverageInformation(ext, version), []);
        assert.deepEqual(sub(ext, 'coverage'), [{ reference: 'Coverage/c1' }]);
        assert.deepEqual(sub(ext, 'coverage-assertion-id'), ['a-1']);
        assert.deepEqual(sub(ext, 'date'), ['2025-09-15']);
      });

  it('2.0.1 has no indeterminate: it becomes conditional, with pa-needed present', () => {
    const ext = buildCoverageInformation(ASSERTIONS[6]![1], '2.0');
    assert.deepEqual(sub(ext, 'covered'), ['conditional']);
    assert.deepEqual(sub(ext, 'pa-needed'), ['conditional']);
    assert.deepEqual(sub(ext, 'info-needed'), []);
  });

  it('2.2 keeps indeterminate and codes the reason; 2.0.1 gives the reason as text only', () => {
    const e22 = buildCoverageInformation(ASSERTIONS[6]![1], '2.2');
    assert.deepEqual(sub(e22, 'covered'), ['indeterminate']);
    assert.deepEqual(sub(e22, 'reason'), [
      {
        text: 'EHR down',
        coding: [
          { system: 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp', code: 'technical' },
        ],
      },
    ]);
    assert.deepEqual(sub(buildCoverageInformation(ASSERTIONS[6]![1], '2.0'), 'reason'), [
      { text: 'EHR down' },
    ]);
  });

  it('not-covered never carries pa-needed (2.2 crd-ci-q2)', () => {
    for (const v of CRD_VERSIONS)
      assert.deepEqual(sub(buildCoverageInformation(ASSERTIONS[3]![1], v), 'pa-needed'), []);
  });

  it('2.2 adds info-needed OTH to a conditional answer that gives none (crd-ci-q3); 2.0.1 adds none (its q3 is one way)', () => {
    assert.deepEqual(sub(buildCoverageInformation(ASSERTIONS[4]![1], '2.2'), 'info-needed'), [
      'OTH',
    ]);
    assert.deepEqual(sub(buildCoverageInformation(ASSERTIONS[4]![1], '2.0'), 'info-needed'), []);
    assert.deepEqual(sub(buildCoverageInformation(ASSERTIONS[4]![1], '2.0'), 'pa-needed'), [
      'conditional',
    ]);
  });

  it('2.0.1 keeps an OTH it is given: its informationNeeded value set has v3-NullFlavor#OTH (tag 2.0.1 CoverageInformationValuesets.fsh line 62)', () => {
    const a: CoverageAssertion = { ...ASSERTIONS[4]![1], infoNeeded: ['OTH'] };
    const ext = buildCoverageInformation(a, '2.0');
    assert.deepEqual(sub(ext, 'info-needed'), ['OTH']);
    assert.deepEqual(checkCoverageInformation(ext, '2.0'), []);
    assert.deepEqual(
      checkCoverageInformation(
        {
          ...ext,
          extension: [
            ...(ext['extension'] as unknown[]),
            { url: 'info-needed', valueCode: 'detail-code' },
          ],
        },
        '2.0',
      ),
      ["info-needed 'detail-code' is not in the 2.0 value set"],
    );
  });

  it('doc-needed, doc-purpose and questionnaire: codes from each version, a versioned canonical, never a questionnaire without doc-needed', () => {
    const a: CoverageAssertion = {
      ...ASSERTIONS[4]![1],
      infoNeeded: ['OTH'],
      docNeeded: 'admin',
      docPurpose: 'withclaim',
      questionnaire: ['https://payer.example/fhir/Questionnaire/p|1+r.abc'],
    };
    for (const v of CRD_VERSIONS) {
      const ext = buildCoverageInformation(a, v);
      assert.deepEqual(sub(ext, 'doc-needed'), ['admin']);
      assert.deepEqual(sub(ext, 'doc-purpose'), ['withclaim']);
      assert.deepEqual(sub(ext, 'questionnaire'), [
        'https://payer.example/fhir/Questionnaire/p|1+r.abc',
      ]);
      assert.deepEqual(checkCoverageInformation(ext, v), []);
      const withDoc = (code: string) => ({
        ...ext,
        extension: (ext['extension'] as { url: string }[]).map((e) =>
          e.url === 'doc-needed' ? { url: 'doc-needed', valueCode: code } : e,
        ),
      });
      assert.deepEqual(checkCoverageInformation(withDoc(v === '2.0' ? 'patient' : 'both'), v), [
        `doc-needed '${v === '2.0' ? 'patient' : 'both'}' is not in the ${v} value set`,
      ]);
    }
    const { docNeeded: _d, docPurpose: _p, ...withoutDoc } = a;
    const noDoc = buildCoverageInformation(withoutDoc, '2.2') as {
      extension: { url: string }[];
    };
    assert.equal(noDoc.extension.filter((e) => e.url === 'questionnaire').length, 0);
    const unversioned = buildCoverageInformation(a, '2.2') as { extension: { url: string }[] };
    assert.deepEqual(
      checkCoverageInformation(
        {
          ...unversioned,
          extension: unversioned.extension.map((e) =>
            e.url === 'questionnaire' ? { url: 'questionnaire', valueCanonical: 'https://x/Q' } : e,
          ),
        },
        '2.2',
      ),
      ['questionnaire must be a version-specific canonical (url|version)'],
    );
  });

  it('the policy link is a 2.2 detail (url, category cat-other); 2.0.1 has no detail code for it', () => {
    const d22 = sub(buildCoverageInformation(ASSERTIONS[0]![1], '2.2'), 'detail')[0] as Record<
      string,
      unknown
    >;
    assert.deepEqual(sub(d22, 'category'), ['cat-other']);
    assert.deepEqual(sub(d22, 'value'), ['https://x.example/p/1']);
    assert.ok(
      (d22['extension'] as { url: string }[]).some((e) => e.url === 'value' && 'valueUrl' in e),
    );
    // CRD 2.0.1's temp code system (content = #complete) has no policy-link: it came in 2.1.0
    // (HL7/davinci-crd@2.0.1 input/fsh/codesystems/CRDTempCodes.fsh).
    assert.deepEqual(sub(buildCoverageInformation(ASSERTIONS[0]![1], '2.0'), 'detail'), []);
  });

  it('the checker refuses a temp detail code the version does not define', () => {
    const withLink = (version: '2.0' | '2.2') => ({
      url: COVERAGE_INFORMATION_URL,
      extension: [
        { url: 'coverage', valueReference: { reference: 'Coverage/c' } },
        { url: 'covered', valueCode: 'covered' },
        { url: 'pa-needed', valueCode: 'no-auth' },
        {
          url: 'detail',
          extension: [
            ...(version === '2.2' ? [{ url: 'category', valueCode: 'cat-other' }] : []),
            {
              url: 'code',
              valueCodeableConcept: {
                coding: [
                  {
                    system: 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp',
                    code: 'policy-link',
                  },
                ],
              },
            },
            { url: 'value', valueString: 'https://x' },
          ],
        },
        { url: 'date', valueDate: '2025-09-10' },
        { url: 'coverage-assertion-id', valueString: 'a' },
      ],
    });
    assert.deepEqual(checkCoverageInformation(withLink('2.2'), '2.2'), []);
    assert.deepEqual(checkCoverageInformation(withLink('2.0'), '2.0'), [
      "detail.code 'policy-link' is not in the 2.0 temp code system",
    ]);
  });

  describe('the checker catches each invariant', () => {
    const ext = (...subs: Record<string, unknown>[]) => ({
      url: COVERAGE_INFORMATION_URL,
      extension: [
        { url: 'coverage', valueReference: { reference: 'Coverage/1' } },
        { url: 'date', valueDate: '2025-01-01' },
        { url: 'coverage-assertion-id', valueString: 'x' },
        ...subs,
      ],
    });
    const cases: [string, '2.0' | '2.2', Record<string, unknown>, RegExp][] = [
      [
        'q2 (2.2)',
        '2.2',
        ext(
          { url: 'covered', valueCode: 'not-covered' },
          { url: 'pa-needed', valueCode: 'no-auth' },
        ),
        /q2/,
      ],
      ['q2 (2.0.1)', '2.0', ext({ url: 'covered', valueCode: 'covered' }), /q2/],
      [
        'q3 (2.2): conditional without info-needed',
        '2.2',
        ext(
          { url: 'covered', valueCode: 'conditional' },
          { url: 'pa-needed', valueCode: 'conditional' },
          { url: 'reason', valueCodeableConcept: { text: 'r' } },
        ),
        /q3/,
      ],
      [
        'q3: info-needed without conditional',
        '2.0',
        ext(
          { url: 'covered', valueCode: 'covered' },
          { url: 'pa-needed', valueCode: 'no-auth' },
          { url: 'info-needed', valueCode: 'location' },
        ),
        /q3/,
      ],
      [
        'q5',
        '2.2',
        ext({ url: 'covered', valueCode: 'covered' }, { url: 'pa-needed', valueCode: 'satisfied' }),
        /q5/,
      ],
      [
        'q6',
        '2.2',
        ext(
          { url: 'covered', valueCode: 'conditional' },
          { url: 'pa-needed', valueCode: 'conditional' },
          { url: 'info-needed', valueCode: 'OTH' },
        ),
        /q6/,
      ],
      [
        'q7',
        '2.2',
        ext(
          { url: 'covered', valueCode: 'not-covered' },
          { url: 'reason', valueCodeableConcept: { coding: [{ system: 'urn:x', code: 'y' }] } },
        ),
        /q7/,
      ],
      [
        'q9',
        '2.2',
        ext(
          { url: 'covered', valueCode: 'indeterminate' },
          { url: 'pa-needed', valueCode: 'indeterminate' },
        ),
        /q9/,
      ],
      [
        'q1',
        '2.2',
        ext(
          { url: 'covered', valueCode: 'not-covered' },
          { url: 'questionnaire', valueCanonical: 'http://q' },
        ),
        /q1/,
      ],
      [
        'indeterminate is not in 2.0.1',
        '2.0',
        ext(
          { url: 'covered', valueCode: 'indeterminate' },
          { url: 'pa-needed', valueCode: 'conditional' },
        ),
        /value set/,
      ],
      [
        'covered twice',
        '2.2',
        ext(
          { url: 'covered', valueCode: 'covered' },
          { url: 'covered', valueCode: 'covered' },
          { url: 'pa-needed', valueCode: 'no-auth' },
        ),
        /once/,
      ],
    ];
    for (const [name, v, e, re] of cases)
      it(name, () =>
        assert.ok(
          checkCoverageInformation(e, v).some((p) => re.test(p)),
          checkCoverageInformation(e, v).join('; '),
        ),
      );
    it('a missing coverage, date and id', () =>
      assert.equal(
        checkCoverageInformation(
          {
            url: COVERAGE_INFORMATION_URL,
            extension: [{ url: 'covered', valueCode: 'not-covered' }],
          },
          '2.2',
        ).length,
        3,
      ));
  });
});
