/**
 * The TS types must not drift from the pydantic contracts: samples typed with the TS
 * interfaces validate against the exported JSON Schemas, and every schema property is
 * known to the TS sample (and vice versa).
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import type { AgentLog, RoutingDecision, StruggleAlert, StudentQuery } from '../src/types';
import { envelope, QID, RID, sampleReply } from './fixtures';

const SCHEMAS = join(__dirname, '..', '..', 'agents', 'learnflow_agents', 'contracts', 'schemas');

function load(name: string): any {
  return JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), 'utf-8'));
}

function validator(name: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(load(name));
}

function check(name: string, env: any): void {
  const validate = validator(name);
  const { type: _type, ...plain } = env;
  const ok = validate(plain);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('contracts', () => {
  it('a full sample reply validates against agent-responses.schema.json', () => {
    check('agent-responses', envelope('reply', sampleReply()));
  });

  it('the TS AgentReply covers exactly the schema fields', () => {
    const props = Object.keys(load('agent-responses').$defs.AgentReply.properties).sort();
    expect(Object.keys(sampleReply()).sort()).toEqual(props);
    const blockProps = Object.keys(load('agent-responses').$defs.CodeBlock.properties).sort();
    expect(Object.keys(sampleReply().code_blocks![0]).sort()).toEqual(blockProps);
    const provProps = Object.keys(load('agent-responses').$defs.Provenance.properties).sort();
    expect(Object.keys(sampleReply().provenance).sort()).toEqual(provProps);
  });

  it('src/contracts.ts is generated from the current schemas (run `jlpm contract-types`)', async () => {
    // @ts-expect-error: a plain ES module script without type declarations
    const { generate, OUTPUT } = await import('../scripts/contract-types.mjs');
    expect(readFileSync(OUTPUT, 'utf-8')).toBe(generate(SCHEMAS));
  });

  it('the generated interfaces have every schema property, optional exactly when not required', async () => {
    const source = readFileSync(join(__dirname, '..', 'src', 'contracts.ts'), 'utf-8');
    const defs = load('agent-responses').$defs;
    for (const name of ['AgentReply', 'HelperRelation', 'FollowUp', 'CheckResult', 'ProgressFacts']) {
      const body = source.split(`export interface ${name} {`)[1].split('\n}\n')[0];
      const fields = [...body.matchAll(/^  (\w+)(\??): /gm)].map(m => `${m[1]}${m[2]}`).sort();
      const required = new Set(defs[name].required ?? []);
      const expected = Object.keys(defs[name].properties).map(p => (required.has(p) ? p : `${p}?`)).sort();
      expect(fields).toEqual(expected);
    }
  });

  it('a sample reply with the 1.1 relations validates (and a bad relation does not)', () => {
    const helper = sampleReply({ agent: 'concepts', helps: { agent: 'debug', reply_id: RID } });
    check('agent-responses', envelope('reply', helper));
    const bad = envelope('reply', sampleReply({ helps: { reply_id: RID } as any }));
    const validate = validator('agent-responses');
    const { type: _t, ...plain } = bad as any;
    expect(validate(plain)).toBe(false);
  });

  it('every code role and action kind in the schema is known to the renderer', async () => {
    const { CODE_TITLES } = await import('../src/model');
    const roles = load('agent-responses').$defs.CodeRole.enum as string[];
    expect(Object.keys(CODE_TITLES).sort()).toEqual(roles.slice().sort());
  });

  it('rejects a reply with an unknown code role (the schema is really checked)', () => {
    const bad = envelope('reply', sampleReply({ code_blocks: [{ role: 'patch' as any, code: 'x' }] }));
    const validate = validator('agent-responses');
    const { type: _t, ...plain } = bad as any;
    expect(validate(plain)).toBe(false);
  });

  it('routing, log, struggle and query samples validate', () => {
    const routing: RoutingDecision = { query_id: QID, target_agent: 'debug', confidence: 0.9, reasoning: 'tb', router: 'offline', secondary_agent: null };
    check('triage-routing', envelope('routing', routing));
    const log: AgentLog = { agent: 'debug', query_id: QID, status: 'streaming', message: '', delta: 'x' };
    check('agent-logs', envelope('log', log));
    const alert: StruggleAlert = { topic: 'loops', struggle_level: 'high', score: 0.7, recommendation: 'practice', evidence: ['3 errors'] };
    check('student-struggle', envelope('struggle', alert));
    const query: StudentQuery = {
      query_id: QID,
      text: 'NameError: prnt',
      code: 'prnt(1)',
      traceback: 'Traceback...',
      target_agent: null,
      source: 'jupyterlab-explain',
      context: { skill_level: 'beginner', learning_style: 'example-driven' }
    };
    check('student-queries', { student_id: 'alice', payload: query });
  });
});
