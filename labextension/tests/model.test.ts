import { describe, expect, it } from 'vitest';
import { agentTitle, bestCode, header, masteryOf, namedList, plainText, sections, stripAnsi } from '../src/model';
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

  it('reads progress data tolerantly (dict or list mastery, strings or objects)', () => {
    expect(masteryOf({ mastery: { loops: 0.5, lists: 1.7, bad: 'x' } })).toEqual({ loops: 0.5, lists: 1 });
    expect(masteryOf({ mastery_levels: [{ topic: 'loops', p_mastery: 0.25 }] })).toEqual({ loops: 0.25 });
    expect(namedList(['loops', { name: 'Functions', reason: 'next' }, { nothing: 1 }])).toEqual([
      { title: 'loops', detail: '' },
      { title: 'Functions', detail: 'next' }
    ]);
    const s = sections(
      sampleReply({
        agent: 'progress',
        data: { mastery: { loops: 0.8 }, recommendations: [{ topic: 'functions' }], achievements: ['First fix'], check: { tests: [{ name: 't1', passed: true }, { passed: false, hidden: true }] } }
      })
    );
    expect(s.mastery).toEqual({ loops: 0.8 });
    expect(s.recommendations[0].title).toBe('functions');
    expect(s.achievements[0].title).toBe('First fix');
    expect(s.tests.map(t => [t.name, t.passed, t.hidden])).toEqual([['t1', true, false], ['test 2', false, true]]);
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
