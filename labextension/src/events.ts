/**
 * The live-activity reducer: events from the `events` WebSocket (and replies fetched over
 * REST after a reconnect) folded into what the sidebar shows. Pure and immutable, so it
 * is unit-tested without a server. Delivery is at-least-once: repeated messages and
 * repeated replies are ignored.
 */
import type { AgentLog, AgentReply, LearnFlowEvent, LogStatus, QueryView, StruggleAlert } from './types';

export type StepStatus = LogStatus | 'routed' | 'waiting';

export interface Step {
  agent: string;
  status: StepStatus;
  message: string;
}

export interface QueryActivity {
  queryId: string;
  /** What the student asked, when it was asked from this frontend. */
  label: string;
  steps: Step[];
  routingNote: string;
  streamed: string;
  replies: AgentReply[];
  done: boolean;
  failed: boolean;
  updated: number;
}

export interface ActivityState {
  queries: QueryActivity[];
  struggles: StruggleAlert[];
  seen: string[];
  replyIds: string[];
}

export const MAX_QUERIES = 20;
const MAX_SEEN = 500;

export function emptyState(): ActivityState {
  return { queries: [], struggles: [], seen: [], replyIds: [] };
}

function upsert(
  state: ActivityState,
  queryId: string,
  now: number,
  change: (q: QueryActivity) => QueryActivity
): ActivityState {
  const index = state.queries.findIndex(q => q.queryId === queryId);
  const current: QueryActivity =
    index >= 0
      ? state.queries[index]
      : {
          queryId,
          label: '',
          steps: [],
          routingNote: '',
          streamed: '',
          replies: [],
          done: false,
          failed: false,
          updated: now
        };
  const next = { ...change(current), updated: now };
  const others = state.queries.filter(q => q.queryId !== queryId);
  // Newest activity first; older queries drop off the end.
  return { ...state, queries: [next, ...others].slice(0, MAX_QUERIES) };
}

function withStep(steps: Step[], agent: string, status: StepStatus, message: string): Step[] {
  const index = steps.findIndex(s => s.agent === agent);
  if (index < 0) {
    return [...steps, { agent, status, message }];
  }
  const copy = steps.slice();
  // A finished step stays finished when a late log line arrives.
  const prev = copy[index];
  const finished = prev.status === 'done' || prev.status === 'error';
  copy[index] = finished && status !== 'error' ? prev : { agent, status, message: message || prev.message };
  return copy;
}

/** A query sent from this frontend: shown at once, before the first event arrives. */
export function submitted(
  state: ActivityState,
  queryId: string,
  label: string,
  agent: string | null,
  now = Date.now()
): ActivityState {
  return upsert(state, queryId, now, q => ({
    ...q,
    label,
    steps: q.steps.length ? q.steps : [{ agent: agent || 'triage', status: 'waiting', message: '' }]
  }));
}

/** The query's answer, as opposed to a helper's reply for it (`helps` set: concepts
 * explaining the idea behind a bug), which is shown beneath the answer. */
export function isMainReply(reply: AgentReply): boolean {
  return !reply.helps;
}

export function addReply(state: ActivityState, reply: AgentReply, now = Date.now()): ActivityState {
  if (reply.reply_id && state.replyIds.includes(reply.reply_id)) {
    return state;
  }
  const replyIds = reply.reply_id ? [...state.replyIds, reply.reply_id].slice(-MAX_SEEN) : state.replyIds;
  const next = upsert({ ...state, replyIds }, reply.query_id, now, q => {
    const main = isMainReply(reply);
    return {
      ...q,
      steps: withStep(q.steps, reply.agent, reply.status === 'error' ? 'error' : 'done', reply.summary),
      streamed: main ? '' : q.streamed,
      replies: main ? [reply, ...q.replies] : [...q.replies, reply],
      done: q.done || main,
      failed: main ? reply.status === 'error' : q.failed
    };
  });
  return next;
}

function applyLog(state: ActivityState, log: AgentLog, now: number): ActivityState {
  if (!log.query_id) {
    return state;
  }
  const known = state.queries.find(q => q.queryId === log.query_id);
  if (known?.done && !known.steps.some(s => s.agent === log.agent)) {
    // After the answer, other agents only do bookkeeping (progress updates mastery).
    return state;
  }
  return upsert(state, log.query_id, now, q => ({
    ...q,
    // Triage hands over by routing; the agent that logs is working now.
    steps: withStep(
      q.steps.map(s => (s.status === 'waiting' && s.agent !== log.agent ? { ...s, status: 'done' } : s)),
      log.agent,
      log.delta ? 'streaming' : log.status,
      log.message
    ),
    streamed: log.delta ? q.streamed + log.delta : q.streamed,
    failed: q.failed || (log.status === 'error' && !q.done)
  }));
}

export function reduce(state: ActivityState, event: LearnFlowEvent, now = Date.now()): ActivityState {
  if (event.message_id) {
    if (state.seen.includes(event.message_id)) {
      return state;
    }
    state = { ...state, seen: [...state.seen, event.message_id].slice(-MAX_SEEN) };
  }
  switch (event.type) {
    case 'routing': {
      const r = event.payload;
      const pct = Math.round(r.confidence * 100);
      return upsert(state, r.query_id, now, q => {
        let steps = q.steps.filter(s => !(s.status === 'waiting' && s.agent === r.target_agent));
        if (r.router !== 'explicit') {
          steps = withStep(steps, 'triage', 'done', `routed to ${r.target_agent} (${pct}% sure)`);
        }
        steps = withStep(steps, r.target_agent, 'received', '');
        return { ...q, steps, routingNote: `${r.target_agent} (${pct}% sure): ${r.reasoning}` };
      });
    }
    case 'log':
      return applyLog(state, event.payload, now);
    case 'reply':
      return addReply(state, event.payload, now);
    case 'struggle':
      return { ...state, struggles: [event.payload, ...state.struggles].slice(0, 10) };
    default:
      return state;
  }
}

/** Replies read over REST (after a reconnect, or when polling) folded in like events. */
export function applyQueryView(state: ActivityState, view: QueryView, now = Date.now()): ActivityState {
  let next = state;
  if (view.routing) {
    next = reduce(next, { type: 'routing', student_id: '', payload: view.routing }, now);
  }
  // Oldest first, so the newest main reply ends up on top.
  const replies = view.replies.slice().sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
  for (const reply of replies) {
    next = addReply(next, reply, now);
  }
  return next;
}

/** The queries still waiting for their answer (to re-read after a reconnect). */
export function pendingQueries(state: ActivityState): string[] {
  return state.queries.filter(q => !q.done).map(q => q.queryId);
}

/** The newest main reply, e.g. for the inline card of a query. */
export function latestReply(state: ActivityState, queryId: string): AgentReply | null {
  const q = state.queries.find(item => item.queryId === queryId);
  return q?.replies.find(isMainReply) ?? null;
}

/** "triage → debug": the agents a query went through, in order. */
export function pipeline(q: QueryActivity): string {
  return q.steps.map(s => s.agent).join(' → ');
}
