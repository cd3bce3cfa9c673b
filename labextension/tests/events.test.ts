import { describe, expect, it } from 'vitest';
import { addReply, applyQueryView, emptyState, latestReply, pendingQueries, pipeline, reduce, submitted } from '../src/events';
import { QID, RID, envelope, sampleReply } from './fixtures';

describe('event reducer', () => {
  it('follows triage → debug → reply', () => {
    let s = submitted(emptyState(), QID, 'NameError: prnt', null, 1);
    expect(pipeline(s.queries[0])).toBe('triage');
    expect(s.queries[0].steps[0].status).toBe('waiting');
    s = reduce(s, envelope('log', { agent: 'triage', query_id: QID, status: 'processing', message: 'routing' }), 2);
    s = reduce(s, envelope('routing', { query_id: QID, target_agent: 'debug', confidence: 0.93, reasoning: 'a traceback', router: 'offline' }), 3);
    expect(pipeline(s.queries[0])).toBe('triage → debug');
    expect(s.queries[0].steps.map(x => x.status)).toEqual(['done', 'received']);
    expect(s.queries[0].routingNote).toBe('debug (93% sure): a traceback');
    s = reduce(s, envelope('log', { agent: 'debug', query_id: QID, status: 'streaming', message: '', delta: 'Python ' }), 4);
    s = reduce(s, envelope('log', { agent: 'debug', query_id: QID, status: 'streaming', message: '', delta: 'looked' }), 5);
    expect(s.queries[0].streamed).toBe('Python looked');
    expect(s.queries[0].steps[1].status).toBe('streaming');
    s = reduce(s, envelope('reply', sampleReply()), 6);
    const q = s.queries[0];
    expect(q.done).toBe(true);
    expect(q.streamed).toBe('');
    expect(q.steps.map(x => x.status)).toEqual(['done', 'done']);
    expect(latestReply(s, QID)?.agent).toBe('debug');
    expect(pendingQueries(s)).toEqual([]);
  });

  it('does not show triage for an explicitly routed query', () => {
    let s = submitted(emptyState(), QID, 'review', 'code-review');
    s = reduce(s, envelope('routing', { query_id: QID, target_agent: 'code-review', confidence: 1, reasoning: 'asked', router: 'explicit' }));
    expect(pipeline(s.queries[0])).toBe('code-review');
  });

  it('ignores redelivered messages and duplicate replies (at-least-once)', () => {
    const e = envelope('reply', sampleReply(), 'same-id');
    const once = reduce(emptyState(), e);
    expect(reduce(once, e)).toBe(once);
    const again = reduce(once, envelope('reply', sampleReply()));
    expect(again.queries[0].replies).toHaveLength(1);
  });

  it('keeps a finished step finished when a late log arrives', () => {
    let s = reduce(emptyState(), envelope('reply', sampleReply()));
    s = reduce(s, envelope('log', { agent: 'debug', query_id: QID, status: 'processing', message: 'late' }));
    expect(s.queries[0].steps[0].status).toBe('done');
  });

  it('attaches helper replies (helps set) as related, not as the answer, in either order', () => {
    const helper = sampleReply({
      reply_id: '11111111-1111-4111-8111-111111111111',
      agent: 'concepts',
      helps: { agent: 'debug', reply_id: RID }
    });
    let s = reduce(emptyState(), envelope('reply', sampleReply({ follow_up: { agent: 'concepts', concept: 'names' } })));
    s = addReply(s, helper);
    expect(s.queries[0].replies.map(r => r.agent)).toEqual(['debug', 'concepts']);
    expect(latestReply(s, QID)?.agent).toBe('debug');
    // The helper first: the query is not answered until the answer comes.
    let early = addReply(emptyState(), helper);
    expect(early.queries[0].done).toBe(false);
    expect(latestReply(early, QID)).toBeNull();
    early = addReply(early, sampleReply());
    expect(early.queries[0].done).toBe(true);
    expect(latestReply(early, QID)?.agent).toBe('debug');
  });

  it('orders newest activity first and caps the list', () => {
    let s = emptyState();
    for (let i = 0; i < 25; i++) {
      s = submitted(s, `q${i}`, `question ${i}`, null, i);
    }
    expect(s.queries).toHaveLength(20);
    expect(s.queries[0].queryId).toBe('q24');
  });

  it('folds a REST query view in (after a reconnect)', () => {
    let s = submitted(emptyState(), QID, 'x', null);
    expect(pendingQueries(s)).toEqual([QID]);
    s = applyQueryView(s, {
      query_id: QID,
      status: 'answered',
      routing: { query_id: QID, target_agent: 'debug', confidence: 0.9, reasoning: 'tb', router: 'offline' },
      replies: [sampleReply()]
    });
    expect(pipeline(s.queries[0])).toBe('triage → debug');
    expect(pendingQueries(s)).toEqual([]);
  });

  it('keeps struggle alerts, newest first', () => {
    const s = reduce(emptyState(), envelope('struggle', { topic: 'loops', struggle_level: 'high', score: 0.8, recommendation: 'Try the loops exercise' }));
    expect(s.struggles[0].topic).toBe('loops');
  });
});

describe('bookkeeping after the answer', () => {
  it('ignores logs from agents that join after the answer (progress updating mastery)', () => {
    let s = submitted(emptyState(), QID, 'x', null);
    s = reduce(s, envelope('routing', { query_id: QID, target_agent: 'debug', confidence: 1, reasoning: 'tb', router: 'offline' }));
    s = reduce(s, envelope('reply', sampleReply()));
    s = reduce(s, envelope('log', { agent: 'progress', query_id: QID, status: 'processing', message: 'mastery' }));
    expect(pipeline(s.queries[0])).toBe('triage → debug');
  });
});
