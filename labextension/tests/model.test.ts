import { describe, expect, it } from 'vitest';
import { agentTitle, bestCode, header, plainText, sections, stripAnsi } from '../src/model';
import { sampleReply } from './fixtures';

describe('reply rendering model', () => {
  it('has the kernel widget sections', () => {
    const s = sections(sampleReply());
    expect(s.header).toBe('🩺 Debug agent · done · offline · 12 ms');
    expect(s.summary).toContain('did you mean');
    expect(s.explanation).toContain('```python');
    expect(s.code.map(c => [c.title, c.insertLabel])).toEqual([
      ['Your code', null],
      ['Fix', 'Insert fix as new cell']
    ]);
    expect(s.code[1].code).toBe('print("hi")');
    expect(s.concepts).toEqual(['variables', 'functions']);
    expect(s.provenance).toBe('debug · offline · 12 ms');
  });

  it('reveals hints one at a time and never beyond the last', () => {
    expect(sections(sampleReply()).hints).toEqual({ total: 2, visible: [], remaining: 2 });
    expect(sections(sampleReply(), 1).hints.visible).toEqual(['Read the last line of the traceback.']);
    expect(sections(sampleReply(), 9).hints).toMatchObject({ remaining: 0 });
    expect(sections(sampleReply(), 9).hints.visible).toHaveLength(2);
  });

  it('keeps follow-up actions but not hint/rate (they have their own controls)', () => {
    expect(sections(sampleReply()).actions.map(a => a.kind)).toEqual(['apply-fix', 'explain-concept']);
  });

  it('marks error replies and leaves provider out of their header', () => {
    const s = sections(sampleReply({ status: 'error', summary: 'failed' }));
    expect(s.state).toBe('error');
    expect(s.header).toBe('🩺 Debug agent · error');
    expect(header('triage', 'working')).toBe('🧭 LearnFlow · working');
  });

  it('names unknown agents like the kernel does', () => {
    expect(agentTitle('style-checker')).toBe('🤖 Style checker agent');
  });

  it('picks the fix first, then refactor/starter/example, skipping empty code', () => {
    expect(bestCode(sampleReply())?.role).toBe('fix');
    const r = sampleReply({ code_blocks: [{ role: 'fix', code: '  ' }, { role: 'example', code: 'x = 1' }, { role: 'starter', code: 'def f(): ...' }] });
    expect(bestCode(r)?.role).toBe('starter');
    expect(bestCode(sampleReply({ code_blocks: [] }))).toBeNull();
  });

  it('reads a progress report and a check from their typed fields', () => {
    const s = sections(
      sampleReply({
        agent: 'progress',
        progress: {
          mastery: { loops: 0.8 },
          recommendations: [{ topic: 'functions', reason: 'loops are mastered' }],
          achievements: [{ id: 'first-fix', title: 'First fix', detail: 'fixed an error' }]
        },
        check: {
          exercise_id: 'ex',
          passed: false,
          score: 0.5,
          points: 1,
          max_points: 2,
          summary: '1 of 2 tests did not pass yet.',
          tests: [
            { name: 't1', passed: true, status: 'passed' },
            { name: 'hidden test', passed: false, hidden: true, status: 'failed', message: 'no' }
          ]
        }
      })
    );
    expect(s.mastery).toEqual({ loops: 0.8 });
    expect(s.recommendations).toEqual([{ title: 'functions', detail: 'loops are mastered' }]);
    expect(s.achievements).toEqual([{ title: 'First fix', detail: 'fixed an error' }]);
    expect(s.tests.map(t => [t.name, t.passed, t.hidden, t.message])).toEqual([
      ['t1', true, false, ''],
      ['hidden test', false, true, 'no']
    ]);
  });

  it('shows no tests or progress for a reply without them (data is not read)', () => {
    const s = sections(sampleReply({ data: { mastery: { loops: 0.8 }, tests: [{ name: 't', passed: true }] } }));
    expect([s.tests, s.mastery, s.recommendations, s.achievements]).toEqual([[], {}, [], []]);
  });

  it('renders plain text for copying', () => {
    const text = plainText(sampleReply());
    expect(text).toContain('Fix:\nprint("hi")');
    expect(text).toContain('1. Read the last line');
  });

  it('strips ANSI colours from tracebacks', () => {
    expect(stripAnsi('\u001b[0;31mNameError\u001b[0m: x')).toBe('NameError: x');
  });
});
