import type { AgentReply, LearnFlowEvent } from '../src/types';

export const QID = '3f1c8a52-8f2b-4c1e-9a55-0b8e2f7d9c11';
export const RID = '7b2d4e91-1c3a-4f6e-8d2b-5a9c0e1f2a33';

export function sampleReply(overrides: Partial<AgentReply> = {}): AgentReply {
  return {
    reply_id: RID,
    query_id: QID,
    agent: 'debug',
    status: 'ok',
    summary: 'NameError: `prnt` is not defined — did you mean `print`?',
    explanation: 'Python looked for a name `prnt` and found none.\n\n```python\nprint(1)\n```',
    code_blocks: [
      { role: 'original', code: 'prnt("hi")', language: 'python', title: '' },
      { role: 'fix', code: 'print("hi")\n', language: 'python', title: '' }
    ],
    hints: ['Read the last line of the traceback.', 'Compare the name with a built-in.'],
    actions: [
      { kind: 'apply-fix', label: 'Insert the fix', args: {} },
      { kind: 'show-hint', label: 'Show a hint', args: {} },
      { kind: 'explain-concept', label: 'Explain names', args: { concept: 'variables' } }
    ],
    concepts: ['variables', 'functions'],
    provenance: { agent: 'debug', provider: 'offline', model: null, latency_ms: 12.4, cached: false, tokens_in: 0, tokens_out: 0 },
    data: {},
    created_at: '2025-01-01T10:00:00Z',
    helps: null,
    follow_up: null,
    check: null,
    progress: null,
    ...overrides
  };
}

let n = 0;
export function envelope<T extends LearnFlowEvent['type']>(type: T, payload: any, messageId?: string): LearnFlowEvent {
  n += 1;
  return {
    type,
    schema_version: '1.0',
    message_id: messageId ?? `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    timestamp: '2025-01-01T10:00:00Z',
    student_id: 'alice',
    trace_id: 'trace-1',
    payload
  } as LearnFlowEvent;
}
