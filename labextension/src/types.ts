/**
 * The types the frontend uses. The contracts (AgentReply, StudentQuery, the envelope...)
 * are generated from the exported JSON Schemas into ./contracts (scripts/contract-types.mjs;
 * tests/schema.test.ts fails when it is stale); the HTTP API's views are written here.
 */
import type { AgentLog, AgentReply, Envelope, RoutingDecision, StruggleAlert } from './contracts';

export * from './contracts';

/** What the `events` WebSocket sends: an envelope plus its `type`. */
export type LearnFlowEvent =
  | (Envelope<RoutingDecision> & { type: 'routing' })
  | (Envelope<AgentLog> & { type: 'log' })
  | (Envelope<AgentReply> & { type: 'reply' })
  | (Envelope<StruggleAlert> & { type: 'struggle' });

/** `GET queries/{id}` */
export interface QueryView {
  query_id: string;
  status: string;
  source?: string;
  target_agent?: string | null;
  routing: RoutingDecision | null;
  created_at?: string;
  answered_at?: string | null;
  replies: AgentReply[];
}

/** `GET status` */
export interface ServerStatus {
  learnflow?: string;
  mode: string;
  student_id?: string;
  provider: string;
  bus?: string;
  db?: string;
  run_agents?: boolean;
  engine?: string;
  agents: { agent: string; running: boolean }[];
  heartbeats: { agent: string; instance: string; seen_at: string; age_s: number }[];
  outbox_pending?: number | null;
  error?: string | null;
}

/** `GET progress` */
export interface ProgressView {
  student_id: string;
  mastery: Record<string, number>;
  recent_queries: {
    query_id: string;
    text: string;
    status: string;
    agent: string | null;
    source?: string;
    created_at: string;
  }[];
}
