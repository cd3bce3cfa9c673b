import { describe, expect, it } from 'vitest';
import { agentHealth, agentTitle, bestCode, header, plainText, sections, stripAnsi } from '../src/model';
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

describe('code pasted into a question', () => {
  it('takes pasted code (no fences) out of the text into the code field', async () => {
    const { splitPastedCode } = await import('../src/model');
    const typed = 'why does this print None?\ndef add(a, b):\n    total = a + b\n\nprint(add(1, 2))';
    expect(splitPastedCode(typed)).toEqual({
      text: 'why does this print None?',
      code: 'def add(a, b):\n    total = a + b\n\nprint(add(1, 2))',
      traceback: null
    });
  });

  it('takes a pasted traceback into the traceback field', async () => {
    const { splitPastedCode } = await import('../src/model');
    const typed = [
      'I get this:',
      'Traceback (most recent call last):',
      '  File "<cell>", line 2, in <module>',
      '    numbers[3]',
      'IndexError: list index out of range',
      'what is wrong?'
    ].join('\n');
    const split = splitPastedCode(typed);
    expect(split.traceback).toBe(typed.split('\n').slice(1, 5).join('\n'));
    expect(split.text).toBe('I get this:\nwhat is wrong?');
  });

  it('leaves plain questions alone, single code lines in prose too', async () => {
    const { splitPastedCode } = await import('../src/model');
    for (const question of [
      'What is the difference between a list and a tuple?',
      'If I run this loop twice, why does it print the items again?',
      'how do for loops work'
    ]) {
      expect(splitPastedCode(question)).toEqual({ text: question, code: null, traceback: null });
    }
    expect(splitPastedCode('fix this\n```python\nx = 1\nprint(x\n```').code).toBe('x = 1\nprint(x');
    expect(splitPastedCode('numbers = [1, 2, 3]').code).toBe('numbers = [1, 2, 3]');
  });
});

describe('ask-agent actions', () => {
  it('re-ask with the text, code and traceback the action carries', async () => {
    const { askAgentQuery } = await import('../src/model');
    const { query } = askAgentQuery(
      { agent: 'debug', text: 'it breaks', code: 'x = [1]\nx[3]', traceback: 'IndexError: list index out of range' },
      sampleReply()
    );
    expect(query).toEqual({
      text: 'it breaks',
      target_agent: 'debug',
      code: 'x = [1]\nx[3]',
      traceback: 'IndexError: list index out of range'
    });
    expect(askAgentQuery({ agent: 'exercise', topic: 'variables' }, sampleReply()).query).toEqual({
      text: 'Give me an exercise on variables',
      target_agent: 'exercise'
    });
  });

  it('drop a paragraph repeating the summary, and a doubled mark in a test message', () => {
    const s = sections(
      sampleReply({
        summary: 'All 3 tests passed.',
        explanation: '**All 3 tests passed.**\n\nScore: 3/3 points',
        check: {
          passed: true, score: 1, points: 1, max_points: 1, summary: 'All 3 tests passed.',
          tests: [{ name: 't1', passed: true, status: 'passed', message: '✅ Passed.' }]
        }
      })
    );
    expect(s.explanation).toBe('Score: 3/3 points');
    expect(s.tests[0].message).toBe('Passed.');
  });
});

describe('agent health in the sidebar', () => {
  const status = (heartbeats: { agent: string; instance: string; age_s: number }[], running = true) => ({
    mode: 'cluster',
    provider: 'offline',
    agents: [{ agent: 'debug', running }, { agent: 'concepts', running }],
    heartbeats: heartbeats.map(b => ({ ...b, seen_at: '2026-12-07T00:00:00Z' }))
  });

  it('counts the freshest instance, whatever order the heartbeats come in', () => {
    const beats = [
      { agent: 'debug', instance: 'a', age_s: 3 },
      { agent: 'debug', instance: 'dead', age_s: 172800 }
    ];
    for (const order of [beats, [...beats].reverse()]) {
      const debug = agentHealth(status(order)).find(a => a.agent === 'debug');
      expect(debug).toMatchObject({ healthy: true, ageS: 3, liveInstances: 1 });
    }
  });

  it('marks an agent down when every instance is stale or it is not running', () => {
    const stale = agentHealth(status([{ agent: 'debug', instance: 'a', age_s: 121 }]));
    expect(stale.find(a => a.agent === 'debug')).toMatchObject({ healthy: false, liveInstances: 0 });
    expect(stale.find(a => a.agent === 'concepts')).toMatchObject({ healthy: true, ageS: null });
    expect(agentHealth(status([], false)).every(a => !a.healthy)).toBe(true);
  });

  it('counts live instances of a scaled-out agent', () => {
    const many = agentHealth(status([0, 1, 2].map(i => ({ agent: 'debug', instance: `w${i}`, age_s: i }))));
    expect(many.find(a => a.agent === 'debug')?.liveInstances).toBe(3);
  });
});
