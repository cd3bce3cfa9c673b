/**
 * TypeScript mirror of the LearnFlow contracts (pydantic models in
 * agents/learnflow_agents/contracts). Hand-written from the exported JSON Schemas in
 * agents/learnflow_agents/contracts/schemas/; tests/schema.test.ts checks that a sample of
 * every type validates against those schemas and that the field names match, so the two
 * cannot drift silently.
 */

export type CodeRole = 'fix' | 'example' | 'refactor' | 'starter' | 'tests' | 'original';
export type ActionKind =
  | 'apply-fix'
  | 'insert-starter'
  | 'explain-concept'
  | 'show-hint'
  | 'rate'
  | 'ask-agent';
export type ReplyStatus = 'ok' | 'partial' | 'error';
export type LogStatus = 'received' | 'processing' | 'streaming' | 'done' | 'error';
export type SkillLevel = 'beginner' | 'intermediate' | 'advanced';
export type LearningStyle = 'visual' | 'step-by-step' | 'example-driven';
export type StruggleLevel = 'low' | 'medium' | 'high';

export interface CodeBlock {
  role: CodeRole;
  code: string;
  language?: string;
  title?: string;
}

export interface Action {
  kind: ActionKind;
  label: string;
  args?: Record<string, unknown>;
}

export interface Provenance {
  agent: string;
  provider?: string;
  model?: string | null;
  latency_ms?: number;
  cached?: boolean;
  tokens_in?: number;
  tokens_out?: number;
}

export interface AgentReply {
  reply_id?: string;
  query_id: string;
  agent: string;
  status?: ReplyStatus;
  summary: string;
  explanation?: string;
  code_blocks?: CodeBlock[];
  hints?: string[];
  actions?: Action[];
  concepts?: string[];
  provenance: Provenance;
  data?: Record<string, unknown>;
  created_at?: string;
}

export interface RoutingDecision {
  query_id: string;
  target_agent: string;
  confidence: number;
  reasoning: string;
  router?: string;
  secondary_agent?: string | null;
}

export interface AgentLog {
  agent: string;
  query_id?: string | null;
  status: LogStatus;
  message: string;
  delta?: string | null;
}

export interface StruggleAlert {
  topic: string;
  struggle_level: StruggleLevel;
  score: number;
  recommendation: string;
  evidence?: string[];
}

export interface StudentContext {
  skill_level?: SkillLevel;
  learning_style?: LearningStyle;
  mastery?: Record<string, number>;
  topics_covered?: string[];
}

export interface StudentQuery {
  query_id?: string;
  text?: string;
  code?: string | null;
  traceback?: string | null;
  target_agent?: string | null;
  context?: StudentContext;
  source?: string;
  course_id?: string | null;
}

interface EnvelopeBase<T> {
  schema_version?: string;
  message_id?: string;
  timestamp?: string;
  student_id: string;
  trace_id?: string;
  payload: T;
}

/** What the `events` WebSocket sends: an envelope plus its `type`. */
export type LearnFlowEvent =
  | (EnvelopeBase<RoutingDecision> & { type: 'routing' })
  | (EnvelopeBase<AgentLog> & { type: 'log' })
  | (EnvelopeBase<AgentReply> & { type: 'reply' })
  | (EnvelopeBase<StruggleAlert> & { type: 'struggle' });

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
