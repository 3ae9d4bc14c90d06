import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { medicationRequest } from '../../../test/support/crd-orders.js';
import {
  answered,
  completionInfo,
  askedItems,
  draftOf,
  NEXT,
  nextCall,
  orderSign,
  PACKAGE,
  packageCall,
  returned,
  type J,
} from '../../../test/support/dtr-http.js';
import { r4Errors } from '../../../test/support/fhir-r4.js';
import {
  nextQuestionOutputProblems,
  packageOutputProblems,
  questionnaireProblems,
} from '../../../test/support/dtr-ig-conformance.js';
import { postJson, testServer } from '../../../test/support/http-server.js';
import { freshDatabase, type FreshDatabase } from '../../../test/support/postgres.js';
import { loadContext } from '../../service/load-context.js';
import type { AuditStore } from '../../store/audit-store.js';
import { openStore } from '../../store/open-store.js';

const ctx = loadContext({});
const BCN65 = { payerName: 'Blue Care Network of Michigan', planName: 'BCN65' };
const PUBLIC = 'http://127.0.0.1:8080';

function isOutcome(res: { statusCode: number; headers: J; json(): unknown }, status: number): J {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
  const body = res.json() as J;
  assert.equal(body['resourceType'], 'OperationOutcome');
  assert.deepEqual(r4Errors(body), []);
  return body;
}

const diagnostics = (o: J) => (o['issue'] as J[]).map((i) => String(i['diagnostics'])).join(' ');

/** A BCN65 session through CRD: the package's draft QR. */
async function bcn65Session(app: FastifyInstance, requestedVersion?: string): Promise<J> {
  const { assertionId } = await orderSign(app, {
    ...BCN65,
    ...(requestedVersion ? { requestedVersion } : {}),
  });
  const res = await postJson(
    app,
    PACKAGE,
    packageCall(BCN65, [{ name: 'context', valueString: assertionId }]),
  );
  assert.equal(res.statusCode, 200, res.body);
  return draftOf(res.json() as J);
}

/** The same session's first $next-question: the QR asking the first questions. */
async function firstQuestions(app: FastifyInstance, draft: J): Promise<J> {
  const res = await postJson(app, NEXT, nextCall(draft));
  assert.equal(res.statusCode, 200, res.body);
  return returned(res.json() as J);
}

describe('DTR over HTTP (PGlite)', () => {
  let store: AuditStore;
  let app: FastifyInstance;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await testServer(ctx, store, { publicUrl: () => PUBLIC });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('$questionnaire-package with a CRD context commits the session before it answers the package', async () => {
    const { assertionId } = await orderSign(app, BCN65);
    const res = await postJson(
      app,
      PACKAGE,
      packageCall(BCN65, [{ name: 'context', valueString: assertionId }]),
      { 'content-type': 'application/fhir+json' },
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
    const body = res.json() as J;
    assert.deepEqual(r4Errors(body), []);
    assert.deepEqual(packageOutputProblems(body), []);
    const draft = draftOf(body);
    const session = await store.dtrSessions.getSession(draft['identifier']['value']);
    assert.ok(session, 'the session is in the store when the answer arrives');
    assert.equal(session.coverageAssertionId, assertionId);
    assert.equal(session.policy, 'bcbsm-bcn-iv-anesthetics');
    assert.equal(session.request.lineOfBusiness, 'medicare-supplement');
    assert.equal(session.crdVersion, '2.0');
    assert.equal(session.order, 'MedicationRequest/mr-1');
    assert.equal(draft['status'], 'in-progress');
    assert.deepEqual(askedItems(draft), []);
  });

  test('$questionnaire-package from the Coverage and the order decides as CRD would', async () => {
    const res = await postJson(
      app,
      PACKAGE,
      packageCall(BCN65, [{ name: 'order', resource: medicationRequest(BCN65) }]),
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as J;
    assert.deepEqual(packageOutputProblems(body), []);
    const q = body['parameter'][0]['resource']['entry'][0]['resource'] as J;
    assert.deepEqual(questionnaireProblems(q, 'adapt-search'), []);
    assert.match(q['version'], new RegExp(`^2024-03\\+r\\.${ctx.policySet.revision}$`));
    const session = await store.dtrSessions.getSession(draftOf(body)['identifier']['value']);
    assert.equal(session?.coverageAssertionId, undefined);
  });

  test('no question needed: the answer is an outcome saying why (oper-8), and no session', async () => {
    const o = { payerName: 'Blue Cross Blue Shield of Massachusetts' };
    const { assertionId } = await orderSign(app, o);
    const res = await postJson(
      app,
      PACKAGE,
      packageCall(o, [{ name: 'context', valueString: assertionId }]),
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as J;
    assert.deepEqual(r4Errors(body), []);
    assert.deepEqual(packageOutputProblems(body), []);
    assert.deepEqual(
      (body['parameter'] as J[]).map((p) => p['name']),
      ['outcome'],
    );
    const issue = body['parameter'][0]['resource']['issue'][0] as J;
    assert.equal(issue['severity'], 'information');
    assert.match(issue['diagnostics'], /^No information is needed: not covered \(/);
    assert.match(issue['diagnostics'], /The policy states: “/);
  });

  test('dtr-1, a missing coverage, an unknown context: 400 OperationOutcomes naming the fix', async () => {
    const none = isOutcome(await postJson(app, PACKAGE, packageCall(BCN65, [])), 400);
    assert.match(diagnostics(none), /dtr-1/);
    const noCoverage = isOutcome(
      await postJson(app, PACKAGE, {
        resourceType: 'Parameters',
        parameter: [{ name: 'context', valueString: 'x' }],
      }),
      400,
    );
    assert.match(diagnostics(noCoverage), /parameter coverage is required/);
    const unknown = isOutcome(
      await postJson(
        app,
        PACKAGE,
        packageCall(BCN65, [{ name: 'context', valueString: 'never-issued' }]),
      ),
      400,
    );
    assert.match(diagnostics(unknown), /not a coverage-assertion-id this service gave/);
    const notJson = await app.inject({
      method: 'POST',
      url: PACKAGE,
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    isOutcome(notJson, 415);
  });

  test('a requested questionnaire that is not found is a warning in outcome (oper-9)', async () => {
    const res = await postJson(
      app,
      PACKAGE,
      packageCall(BCN65, [
        { name: 'order', resource: medicationRequest(BCN65) },
        { name: 'questionnaire', valueCanonical: 'https://elsewhere.example/Questionnaire/x|1' },
        {
          name: 'questionnaire',
          valueCanonical: `${PUBLIC}/fhir/Questionnaire/bcbsm-bcn-iv-anesthetics`,
        },
      ]),
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as J;
    assert.deepEqual(packageOutputProblems(body), []);
    const outcome = (body['parameter'] as J[]).find((p) => p['name'] === 'outcome')!['resource'];
    assert.equal(outcome['issue'].length, 1);
    assert.equal(outcome['issue'][0]['severity'], 'warning');
    assert.match(
      outcome['issue'][0]['diagnostics'],
      /elsewhere\.example.*not found here \(oper-9\)/,
    );
  });

  test('$next-question asks, then completes; each step is committed before the reply and the decision recorded', async () => {
    const draft = await bcn65Session(app);
    const id = draft['identifier']['value'] as string;
    const before = await store.count();
    const res1 = await postJson(app, NEXT, nextCall(draft));
    assert.equal(res1.statusCode, 200, res1.body);
    assert.deepEqual(nextQuestionOutputProblems(res1.json(), '2.0.1'), []);
    const asked = returned(res1.json() as J);
    assert.deepEqual(askedItems(asked), ['primary-medicare-covered']);
    const steps1 = await store.dtrSessions.steps(id);
    assert.deepEqual(
      steps1.map((s) => [s.step, s.status, s.asked]),
      [[1, 'in-progress', ['primary-medicare-covered']]],
    );
    assert.equal(await store.count(), before, 'no determination is recorded for a question');

    const res2 = await postJson(
      app,
      NEXT,
      nextCall(answered(asked, { 'primary-medicare-covered': 'Y' })),
    );
    assert.equal(res2.statusCode, 200, res2.body);
    assert.deepEqual(r4Errors(res2.json()), []);
    assert.deepEqual(nextQuestionOutputProblems(res2.json(), '2.0.1'), []);
    assert.equal(returned(res2.json() as J)['status'], 'completed');
    const steps2 = await store.dtrSessions.steps(id);
    assert.deepEqual(
      steps2.map((s) => [s.step, s.status, s.determination.outcome, s.determination.covered]),
      [
        [1, 'in-progress', 'conditional', undefined],
        [2, 'completed', 'covered', 'covered'],
      ],
    );
    assert.equal(steps2[1]!.answers['primary-medicare-covered']?.answer, 'Y');
    assert.deepEqual(steps2[1]!.answers['primary-medicare-covered']?.origin, {
      source: 'manual',
      author: 'Practitioner/dr-1',
    });
    assert.equal(await store.count(), before + 1);
    const page = await store.list({ policy: 'bcbsm-bcn-iv-anesthetics', outcome: 'covered' }, 5);
    const event = await store.get(page.items[0]!.id);
    assert.deepEqual((event?.request as J)['facts'], { 'primary-medicare-covered': true });
    assert.equal(event?.requester, 'local');

    // The same answers again (a reply that was lost): the same completed form, nothing new stored.
    const again = await postJson(
      app,
      NEXT,
      nextCall(answered(asked, { 'primary-medicare-covered': 'Y' })),
    );
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json(), res2.json());
    assert.equal((await store.dtrSessions.steps(id)).length, 2);
    assert.equal(await store.count(), before + 1);
    // Other answers to a completed session: refused.
    const changed = isOutcome(
      await postJson(app, NEXT, nextCall(answered(asked, { 'primary-medicare-covered': 'N' }))),
      400,
    );
    assert.match(diagnostics(changed), /completed.*restart with \$questionnaire-package/);
  });

  test('$next-question refusals: unknown session, tampered items, missing information-origin, extra parameters', async () => {
    const draft = await bcn65Session(app);
    const asked = await firstQuestions(app, draft);
    const unknown = structuredClone(asked);
    unknown['identifier']['value'] = 'no-such-session';
    const u = isOutcome(await postJson(app, NEXT, nextCall(unknown)), 400);
    assert.match(diagnostics(u), /restart with \$questionnaire-package/);
    const noId = structuredClone(asked);
    delete noId['identifier'];
    isOutcome(await postJson(app, NEXT, nextCall(noId)), 400);
    const noSubject = answered(asked, { 'primary-medicare-covered': 'Y' });
    delete noSubject['subject'];
    const ns = isOutcome(await postJson(app, NEXT, nextCall(noSubject)), 400);
    assert.match(diagnostics(ns), /subject\.reference is required/);

    const tampered = answered(asked, { 'primary-medicare-covered': 'Y', 'home-plan-covers': 'Y' });
    const t = isOutcome(await postJson(app, NEXT, nextCall(tampered)), 400);
    assert.match(diagnostics(t), /home-plan-covers was not asked in this session/);
    assert.deepEqual(t['issue'][0]['expression'], [
      'Parameters.parameter[0].resource.item[1].linkId',
    ]);

    const unanswered = isOutcome(await postJson(app, NEXT, nextCall(asked)), 400);
    assert.match(diagnostics(unanswered), /primary-medicare-covered is required and has no answer/);

    const bare = answered(asked, { 'primary-medicare-covered': 'Y' });
    delete bare['item'][0]['answer'][0]['extension'];
    const o = isOutcome(await postJson(app, NEXT, nextCall(bare)), 400);
    assert.match(
      diagnostics(o),
      /no information-origin extension.*source manual or override with an author/,
    );

    const two = nextCall(asked);
    two['parameter'].push({ name: 'extra', valueString: 'x' });
    isOutcome(await postJson(app, NEXT, two), 400);
    // None of these made a step.
    assert.equal((await store.dtrSessions.steps(draft['identifier']['value'])).length, 1);
  });

  test('ASKU ends the form conditional', async () => {
    // CRD 2.2: a conditional answer names what is needed (info-needed OTH, crd-ci-q3).
    const asked = await firstQuestions(app, await bcn65Session(app, '2.2'));
    const res = await postJson(
      app,
      NEXT,
      nextCall(answered(asked, { 'primary-medicare-covered': 'ASKU' })),
    );
    assert.equal(res.statusCode, 200, res.body);
    const qr = returned(res.json() as J);
    assert.equal(qr['status'], 'completed');
    assert.deepEqual(nextQuestionOutputProblems(res.json()), []);
    const steps = await store.dtrSessions.steps(qr['identifier']['value']);
    assert.equal(steps.at(-1)?.determination.covered, 'conditional');
    const info = completionInfo(qr);
    assert.deepEqual(info['covered'], ['conditional']);
    assert.deepEqual(info['info-needed'], ['OTH']);
    assert.match(info['reason']![0]!, /^Conditional: coverage follows primary Medicare/);
    const said = (qr['item'] as J[]).find((i) => i['linkId'] === 'determination')!;
    assert.match(said['text'], /^Still conditional: not known: Did primary Medicare cover/);
  });

  test('a fact the policy in force no longer asks: 400 questionnaire out of date', async () => {
    const draft = await bcn65Session(app);
    const id = draft['identifier']['value'] as string;
    // The step as an earlier policy set would have recorded it: it asked a fact this version
    // of the BCN policy does not ask.
    await store.dtrSessions.appendStep({
      sessionId: id,
      step: 1,
      madeAt: new Date().toISOString(),
      status: 'in-progress',
      answers: {},
      asked: ['group-policy-exists'],
      determination: { outcome: 'conditional', priorAuth: 'not-applicable', revision: 'old' },
    });
    const res = isOutcome(
      await postJson(app, NEXT, nextCall(answered(draft, { 'group-policy-exists': 'Y' }))),
      400,
    );
    assert.match(
      diagnostics(res),
      /^questionnaire out of date: fact group-policy-exists is no longer asked/,
    );
    assert.match(diagnostics(res), /restart with \$questionnaire-package/);
  });

  test('Questionnaire read, standard form, search by canonical, and the CapabilityStatement', async () => {
    const read = await app.inject({
      method: 'GET',
      url: '/fhir/Questionnaire/bcbsm-bcn-iv-anesthetics',
    });
    assert.equal(read.statusCode, 200, read.body);
    assert.match(String(read.headers['content-type']), /^application\/fhir\+json/);
    const q = read.json() as J;
    assert.deepEqual(r4Errors(q), []);
    assert.deepEqual(questionnaireProblems(q, 'adapt-search'), []);
    const form = await app.inject({ method: 'GET', url: '/fhir/Questionnaire/bcbsal-mp-446-form' });
    assert.equal(form.statusCode, 200, form.body);
    assert.deepEqual(r4Errors(form.json()), []);
    assert.deepEqual(questionnaireProblems(form.json(), 'standard'), []);
    assert.deepEqual(
      ((form.json() as J)['item'] as J[]).map((i) => i['linkId']),
      ['product', 'fep-benefit-plan-covers', 'home-plan-covers', 'group-policy-covers'],
    );
    isOutcome(await app.inject({ method: 'GET', url: '/fhir/Questionnaire/bcbsma-291' }), 404);
    isOutcome(await app.inject({ method: 'GET', url: '/fhir/Questionnaire/nothing' }), 404);

    const canonical = `${q['url']}|${q['version']}`;
    const search = await app.inject({
      method: 'GET',
      url: `/fhir/Questionnaire?url=${encodeURIComponent(canonical)}`,
    });
    assert.equal(search.statusCode, 200, search.body);
    const bundle = search.json() as J;
    assert.deepEqual(r4Errors(bundle), []);
    assert.equal(bundle['type'], 'searchset');
    assert.equal(bundle['total'], 1);
    assert.deepEqual(bundle['entry'][0]['resource'], q);
    const old = await app.inject({
      method: 'GET',
      url: `/fhir/Questionnaire?url=${encodeURIComponent(q['url'])}&version=2024-03%2Br.0000`,
    });
    assert.equal((old.json() as J)['total'], 0);
    // An unknown search parameter is refused as every route refuses an unknown query field.
    isOutcome(await app.inject({ method: 'GET', url: '/fhir/Questionnaire?name=x' }), 422);

    const meta = await app.inject({ method: 'GET', url: '/fhir/metadata' });
    assert.equal(meta.statusCode, 200);
    const cs = meta.json() as J;
    assert.deepEqual(r4Errors(cs), []);
    const qres = (cs['rest'][0]['resource'] as J[]).find((r) => r['type'] === 'Questionnaire')!;
    assert.deepEqual(
      (qres['operation'] as J[]).map((o) => o['name']),
      ['questionnaire-package', 'next-question'],
    );
  });
});

describe('DTR over HTTP on the real PostgreSQL', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('the loop commits on PostgreSQL; with the store down each operation is 503 with Retry-After', async () => {
    const store = await openStore({ databaseUrl: db.url });
    const app = await testServer(ctx, store, { publicUrl: () => PUBLIC });
    try {
      const draft = await bcn65Session(app);
      const id = draft['identifier']['value'] as string;
      assert.ok(await store.dtrSessions.getSession(id));
      const asked = await firstQuestions(app, draft);
      assert.equal((await store.dtrSessions.steps(id)).length, 1);

      await db.cut();
      const downNext = await postJson(
        app,
        NEXT,
        nextCall(answered(asked, { 'primary-medicare-covered': 'N' })),
      );
      isOutcome(downNext, 503);
      assert.ok(Number(downNext.headers['retry-after']) > 0);
      const downPackage = await postJson(
        app,
        PACKAGE,
        packageCall(BCN65, [{ name: 'order', resource: medicationRequest(BCN65) }]),
      );
      isOutcome(downPackage, 503);
      assert.ok(Number(downPackage.headers['retry-after']) > 0);
      await db.restore();

      let res;
      for (let i = 0; i < 30; i++) {
        res = await postJson(
          app,
          NEXT,
          nextCall(answered(asked, { 'primary-medicare-covered': 'N' })),
        );
        if (res.statusCode !== 503) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(res?.statusCode, 200, res?.body);
      const steps = await store.dtrSessions.steps(id);
      assert.deepEqual(
        steps.map((s) => [s.status, s.determination.covered]),
        [
          ['in-progress', undefined],
          ['completed', 'not-covered'],
        ],
      );
      const page = await store.list(
        { policy: 'bcbsm-bcn-iv-anesthetics', outcome: 'not-covered' },
        5,
      );
      assert.equal(page.items.length, 1);
    } finally {
      await db.restore();
      await app.close();
      await store.close();
    }
  });
});
