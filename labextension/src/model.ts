/**
 * The reply rendering model: an AgentReply turned into the sections the kernel widgets
 * show (learnflow_ext/widgets/document.py), as plain data. The sidebar and the inline
 * card draw these; keeping them pure makes them unit-testable without a DOM.
 */
import type { AgentReply, CodeBlock, CodeRole, ServerStatus, StudentQuery } from './types';

export type CardState = 'working' | 'streaming' | 'done' | 'error';

export const AGENTS: Record<string, [string, string]> = {
  triage: ['🧭', 'LearnFlow'],
  debug: ['🩺', 'Debug agent'],
  concepts: ['📘', 'Concepts agent'],
  'code-review': ['🔍', 'Code review agent'],
  exercise: ['🏋️', 'Exercise agent'],
  progress: ['📈', 'Progress agent']
};

export const CODE_TITLES: Record<CodeRole, string> = {
  fix: 'Fix',
  example: 'Example',
  refactor: 'Refactored',
  starter: 'Starter code',
  tests: 'Tests',
  original: 'Your code'
};

/** Roles whose code can be put in the notebook, and the button label used for each. */
export const INSERTABLE: Partial<Record<CodeRole, string>> = {
  fix: 'Insert fix as new cell',
  refactor: 'Insert refactored code',
  starter: 'Insert starter code',
  example: 'Insert example',
  tests: 'Insert tests'
};

export function agentTitle(agent: string): string {
  const known = AGENTS[agent];
  if (known) {
    return `${known[0]} ${known[1]}`;
  }
  const words = agent.replace(/-/g, ' ');
  return `🤖 ${words.charAt(0).toUpperCase()}${words.slice(1)} agent`;
}

export function agentName(agent: string): string {
  return AGENTS[agent]?.[1] ?? agentTitle(agent).slice(3);
}

export function waitingMessage(agent: string): string {
  if (agent === 'triage') {
    return 'Finding the right tutor…';
  }
  if (agent === 'debug') {
    return 'Debug agent is looking…';
  }
  return `${AGENTS[agent]?.[1] ?? 'The agent'} is working…`;
}

export function codeTitle(block: CodeBlock): string {
  return block.title || CODE_TITLES[block.role] || block.role;
}

export interface CodeSection {
  title: string;
  role: CodeRole;
  code: string;
  language: string;
  insertLabel: string | null;
}

export interface NamedItem {
  title: string;
  detail: string;
}

export interface TestResult {
  name: string;
  passed: boolean;
  message: string;
  hidden: boolean;
}

export interface ReplySections {
  header: string;
  state: CardState;
  summary: string;
  explanation: string;
  code: CodeSection[];
  hints: { total: number; visible: string[]; remaining: number };
  concepts: string[];
  actions: { kind: string; label: string; args: Record<string, unknown> }[];
  tests: TestResult[];
  mastery: Record<string, number>;
  recommendations: NamedItem[];
  achievements: NamedItem[];
  provenance: string;
}

export function replyState(reply: AgentReply): CardState {
  return reply.status === 'error' ? 'error' : 'done';
}

export function header(agent: string, state: CardState, reply?: AgentReply | null): string {
  const parts = [agentTitle(agent), state];
  if (reply && state === 'done') {
    parts.push(reply.provenance?.provider ?? 'offline');
    if (reply.provenance?.latency_ms) {
      parts.push(`${Math.round(reply.provenance.latency_ms)} ms`);
    }
  }
  return parts.join(' · ');
}

/** The sections of one reply; `hintsShown` hints are revealed (one more per click). */
export function sections(reply: AgentReply, hintsShown = 0): ReplySections {
  const state = replyState(reply);
  const hints = reply.hints ?? [];
  const shown = Math.max(0, Math.min(hintsShown, hints.length));
  const prov = reply.provenance ?? { agent: reply.agent };
  const provParts = [prov.agent || reply.agent, prov.provider ?? 'offline'];
  if (prov.model) {
    provParts.push(prov.model);
  }
  if (prov.latency_ms) {
    provParts.push(`${Math.round(prov.latency_ms)} ms`);
  }
  if (prov.cached) {
    provParts.push('cached');
  }
  return {
    header: header(reply.agent, state, reply),
    state,
    summary: (reply.summary ?? '').trim(),
    explanation: withoutRepeats(reply.summary ?? '', reply.explanation ?? ''),
    code: (reply.code_blocks ?? [])
      .filter(block => block.code.trim() !== '')
      .map(block => ({
        title: codeTitle(block),
        role: block.role,
        code: block.code.replace(/\s+$/, ''),
        language: block.language || 'python',
        insertLabel: INSERTABLE[block.role] ?? null
      })),
    hints: { total: hints.length, visible: hints.slice(0, shown), remaining: hints.length - shown },
    concepts: reply.concepts ?? [],
    // Hint and rate actions have their own controls in every card.
    // "Insert starter code" is already the starter block's own button.
    actions: (reply.actions ?? [])
      .filter(a => a.kind !== 'show-hint' && a.kind !== 'rate')
      .filter(a => !(a.kind === 'insert-starter' && (reply.code_blocks ?? []).some(b => b.role === 'starter')))
      .map(a => ({ kind: a.kind, label: a.label, args: a.args ?? {} })),
    tests: testResults(reply),
    mastery: masteryOf(reply),
    recommendations: recommendationsOf(reply),
    achievements: achievementsOf(reply),
    provenance: provParts.join(' · ')
  };
}

/** The code the "insert fix" commands use: the fix, else refactor, starter, example. */
export function bestCode(reply: AgentReply): CodeBlock | null {
  const blocks = (reply.code_blocks ?? []).filter(b => b.code.trim() !== '');
  for (const role of ['fix', 'refactor', 'starter', 'example'] as CodeRole[]) {
    const found = blocks.find(b => b.role === role);
    if (found) {
      return found;
    }
  }
  return null;
}

/** A plain-text rendering, used for copying the whole answer and as an accessible label. */
export function plainText(reply: AgentReply): string {
  const s = sections(reply, (reply.hints ?? []).length);
  const out = [s.header];
  if (s.summary) {
    out.push(s.summary);
  }
  if (s.explanation) {
    out.push(s.explanation);
  }
  for (const block of s.code) {
    out.push(`${block.title}:\n${block.code}`);
  }
  if (s.hints.visible.length) {
    out.push('Hints:\n' + s.hints.visible.map((h, i) => `${i + 1}. ${h}`).join('\n'));
  }
  if (s.concepts.length) {
    out.push('Related concepts: ' + s.concepts.join(', '));
  }
  return out.join('\n\n');
}

/** A progress report's mastery per topic (`reply.progress`). */
export function masteryOf(reply: AgentReply): Record<string, number> {
  return { ...(reply.progress?.mastery ?? {}) };
}

/** A progress report's recommended topics, each with its reason. */
export function recommendationsOf(reply: AgentReply): NamedItem[] {
  return (reply.progress?.recommendations ?? []).map(r => ({ title: r.topic, detail: r.reason ?? '' }));
}

/** A progress report's achievements. */
export function achievementsOf(reply: AgentReply): NamedItem[] {
  return (reply.progress?.achievements ?? []).map(a => ({ title: a.title, detail: a.detail ?? '' }));
}

/** An exercise check's tests (`reply.check`; hidden tests come without their values). */
function testResults(reply: AgentReply): TestResult[] {
  return (reply.check?.tests ?? []).map(t => ({
    name: t.name,
    passed: t.passed,
    // The row has its own mark: a ✅ in the message too would be a doubled one.
    message: (t.message ?? '').trim().replace(/^[✅❌]\s*/u, ''),
    hidden: t.hidden ?? false
  }));
}

/** Inline markdown as plain text (labels, titles): no `**` or code-span backticks. */
export function plain(markdown: string): string {
  return markdown.replace(/\*\*|__|(?<!`)`(?!`)/g, '');
}

function sameText(a: string, b: string): boolean {
  const norm = (text: string) =>
    plain(text).replace(/#/g, ' ').split(/\s+/).join(' ').replace(/^[\s.:!]+|[\s.:!]+$/g, '').toLowerCase();
  const [first, second] = [norm(a), norm(b)].sort((x, y) => x.length - y.length);
  return first.length > 0 && second.endsWith(first) && second.length - first.length <= 24;
}

/** The explanation without paragraphs that repeat the summary or each other (as the kernel card). */
export function withoutRepeats(summary: string, explanation: string): string {
  const kept: string[] = [];
  for (const paragraph of explanation.trim().split(/\n\s*\n/)) {
    if (!paragraph.trim()) {
      continue;
    }
    if (!paragraph.includes('```') && (sameText(paragraph, summary) || kept.some(k => sameText(paragraph, k)))) {
      continue;
    }
    kept.push(paragraph);
  }
  return kept.join('\n\n');
}

/** `1 hint`, `2 hints`. */
export function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : noun + 's'}`;
}

/**
 * The query an `ask-agent` action stands for: the agent it names, with its text, code and
 * traceback (triage's low-confidence choice re-asks the student's own question); an action
 * with a `topic` instead (Next exercise, Practise <topic>) asks for that topic.
 */
export function askAgentQuery(
  args: Record<string, unknown>,
  reply: AgentReply
): { query: StudentQuery; label: string } {
  const agent = String(args.agent ?? args.target_agent ?? '') || null;
  const str = (value: unknown) => (typeof value === 'string' && value.trim() ? value : null);
  const topic = str(args.topic);
  let text = str(args.text) ?? str(args.question) ?? '';
  if (!text && topic) {
    text = agent === 'exercise' ? `Give me an exercise on ${topic}` : `Explain ${topic}`;
  }
  const code = str(args.code);
  const traceback = str(args.traceback);
  if (!text && !code && !traceback) {
    text = plain(reply.summary ?? '');
  }
  const query: StudentQuery = { text, target_agent: agent };
  if (code) {
    query.code = code;
  }
  if (traceback) {
    query.traceback = traceback;
  }
  return { query, label: text || (code ?? '').split('\n')[0] || 'question' };
}

/** Mastery as a percentage label, e.g. 0.734 -> "73%". */
/** An agent's health line for the sidebar: its newest heartbeat over all its instances counts,
 * so a stale instance (a replica that died) does not mark the agent down while another is live. */
export const HEARTBEAT_STALE_S = 120;

export interface AgentHealth {
  agent: string;
  healthy: boolean;
  /** Seconds since the freshest instance last beat; null when no instance reported. */
  ageS: number | null;
  liveInstances: number;
}

export function agentHealth(status: ServerStatus): AgentHealth[] {
  const freshest = new Map<string, number>();
  const live = new Map<string, number>();
  for (const beat of status.heartbeats) {
    const seen = freshest.get(beat.agent);
    if (seen === undefined || beat.age_s < seen) {
      freshest.set(beat.agent, beat.age_s);
    }
    if (beat.age_s < HEARTBEAT_STALE_S) {
      live.set(beat.agent, (live.get(beat.agent) ?? 0) + 1);
    }
  }
  return status.agents.map(a => {
    const age = freshest.get(a.agent) ?? null;
    return {
      agent: a.agent,
      healthy: a.running && (age === null || age < HEARTBEAT_STALE_S),
      ageS: age,
      liveInstances: live.get(a.agent) ?? 0
    };
  });
}

export function percent(value: number): string {
  return `${Math.round(Math.min(1, Math.max(0, value)) * 100)}%`;
}

/** Strip ANSI colour codes from a traceback (error outputs carry them). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

const CODE_LINE = new RegExp(
  [
    String.raw`^\s*(def|class|for|while|if|elif|else|try|except|finally|with|return|import|from|print|raise|yield|lambda|assert|pass|break|continue)\b.*`,
    String.raw`^\s*[A-Za-z_][\w.\[\]'"]*\s*(=|\+=|-=|\*=|/=)\s*\S.*$`,
    String.raw`^\s*[A-Za-z_][\w.]*\(.*\)\s*$`,
    String.raw`^\s*[\]\)\}]\s*$`,
    String.raw`^\s*#.*$`,
    String.raw`^( {4}|\t)\S.*$`
  ].join('|')
);
const PROSE_WORDS = /\b(why|what|how|does|doesn't|don't|is|isn't|can|could|should|please|help|my|me|I|it|this|the)\b/gi;

function looksLikeCode(line: string): boolean {
  if (!CODE_LINE.test(line)) {
    return false;
  }
  // "if I run this, why does it fail?" starts like code but is a sentence.
  const words = line.trim().split(/\s+/).length;
  const prose = (line.match(PROSE_WORDS) ?? []).length;
  return !(words >= 5 && prose >= 3 && !/[:=()\[\]]\s*$/.test(line.trim()));
}

/**
 * A question typed in the ask box with code or a traceback pasted into it (no fences): the
 * code and the traceback go into their own fields, so triage and the debug / code-review
 * tutors see them as code. Fenced blocks count as code too. Plain questions are unchanged.
 */
export function splitPastedCode(input: string): { text: string; code: string | null; traceback: string | null } {
  let rest = input.replace(/\r\n/g, '\n');
  const code: string[] = [];
  rest = rest.replace(/```[\w-]*\n([\s\S]*?)```/g, (_m, body: string) => {
    // trimEnd, not replace(/\s+$/): that regex is quadratic in a run of spaces that does not end the text.
    code.push(body.trimEnd());
    return '\n';
  });
  let traceback: string | null = null;
  const lines = rest.split('\n');
  const start = lines.findIndex(l => l.startsWith('Traceback (most recent call last):'));
  if (start >= 0) {
    let end = start + 1;
    while (end < lines.length && (/^\s/.test(lines[end]) || lines[end].trim() === '')) {
      end++;
    }
    // The exception line ("NameError: name 'x' is not defined") closes the traceback.
    if (end < lines.length) {
      end++;
    }
    traceback = lines.slice(start, end).join('\n').trimEnd();
    lines.splice(start, end - start);
  }
  // The longest run of code-looking lines (blank lines inside a run are kept). One line alone
  // counts only when it is plainly code (`def f(x):`, `total = sum(xs)`, `print(x)`).
  const runs: [number, number, number][] = [];
  let runStart = -1;
  let count = 0;
  const close = (endExclusive: number) => {
    let end = endExclusive;
    while (runStart >= 0 && end > runStart && lines[end - 1].trim() === '') {
      end--;
    }
    if (runStart >= 0) {
      runs.push([runStart, end, count]);
    }
    runStart = -1;
    count = 0;
  };
  lines.forEach((line, index) => {
    if (looksLikeCode(line)) {
      runStart = runStart < 0 ? index : runStart;
      count++;
    } else if (line.trim() !== '' || runStart < 0) {
      close(index);
    }
  });
  close(lines.length);
  const plainly = /^\s*(def|class|for|while|import|from|return|print)\b|^\s*[\w.\[\]]+\s*=\s*\S|^\s*[\w.]+\(.*\)\s*$/;
  const candidates = runs.filter(([from, , n]) => n >= 2 || plainly.test(lines[from]));
  candidates.sort((a, b) => b[1] - b[0] - (a[1] - a[0]));
  const best = candidates[0];
  if (best) {
    const [from, to] = best;
    code.push(lines.slice(from, to).join('\n'));
    lines.splice(from, to - from);
  }
  const text = lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return { text, code: code.length ? code.join('\n\n') : null, traceback };
}
