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
import { envelope, QID, sampleReply } from './fixtures';

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
