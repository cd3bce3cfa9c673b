/**
 * The sidebar's state: live activity from the events WebSocket (reconnecting by itself),
 * queries submitted from this frontend, status and progress. Every query is also
 * long-polled over REST, so a reply lands even if the socket is down.
 */
import { Signal } from '@lumino/signaling';
import { ApiError, LearnFlowApi } from './api';
import { ReconnectingSocket, SocketState } from './backoff';
import {
  ActivityState,
  applyQueryView,
  emptyState,
  latestReply,
  pendingQueries,
  reduce,
  submitted
} from './events';
import type { AgentReply, LearnFlowEvent, ProgressView, ServerStatus, StudentQuery } from './types';

/** The student's preferences as the LearnFlow API keeps them (see preferences.ts). */
export interface Preferences {
  autoCapture: boolean;
  skillLevel: 'beginner' | 'intermediate' | 'advanced';
  learningStyle: 'visual' | 'step-by-step' | 'example-driven';
  knownTopics: string[];
}

export const DEFAULT_PREFERENCES: Preferences = {
  autoCapture: true,
  skillLevel: 'beginner',
  learningStyle: 'example-driven',
  knownTopics: []
};

export class LearnFlowStore {
  readonly changed = new Signal<this, void>(this);
  activity: ActivityState = emptyState();
  connection: SocketState = 'closed';
  status: ServerStatus | null = null;
  statusError = '';
  progress: ProgressView | null = null;
  progressError = '';
  lastError = '';
  preferences: Preferences = { ...DEFAULT_PREFERENCES };
  hintsShown = new Map<string, number>();
  private socket: ReconnectingSocket | null = null;
  private disposed = false;

  constructor(readonly api: LearnFlowApi = new LearnFlowApi()) {}

  start(): void {
    if (this.socket) {
      return;
    }
    this.socket = new ReconnectingSocket({
      connect: () => this.api.openEvents() as any,
      onMessage: data => this.onMessage(data),
      onState: state => {
        this.connection = state;
        this.changed.emit();
      },
      onReconnect: () => void this.refreshPending()
    });
    this.socket.start();
    void this.refreshStatus();
    void this.refreshProgress();
  }

  dispose(): void {
    this.disposed = true;
    this.socket?.dispose();
    Signal.clearData(this);
  }

  reconnect(): void {
    this.socket?.reconnectNow();
  }

  private onMessage(data: unknown): void {
    let event: LearnFlowEvent;
    try {
      event = JSON.parse(String(data));
    } catch {
      return;
    }
    this.dispatch(event);
  }

  dispatch(event: LearnFlowEvent): void {
    const before = this.activity;
    this.activity = reduce(this.activity, event);
    if (this.activity !== before) {
      if (event.type === 'reply') {
        void this.refreshProgress();
      }
      this.changed.emit();
    }
  }

  context(): StudentQuery['context'] {
    const { skillLevel, learningStyle, knownTopics } = this.preferences;
    return {
      skill_level: skillLevel,
      learning_style: learningStyle,
      ...(knownTopics.length ? { topics_covered: [...knownTopics] } : {})
    };
  }

  /** Send a query; resolves with its id once accepted (the answer arrives later). */
  async ask(query: StudentQuery, label: string): Promise<string> {
    this.lastError = '';
    let id: string;
    try {
      const accepted = await this.api.submit({ source: 'jupyterlab', context: this.context(), ...query });
      id = accepted.query_id;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.changed.emit();
      throw error;
    }
    this.activity = submitted(this.activity, id, label, query.target_agent ?? null);
    this.changed.emit();
    void this.follow(id);
    return id;
  }

  /** Long-poll a query until its main reply is stored (fallback for a missing socket). */
  async follow(queryId: string, rounds = 5): Promise<void> {
    for (let i = 0; i < rounds && !this.disposed; i++) {
      try {
        const view = await this.api.query(queryId, 30);
        this.applyView(view);
        if (latestReply(this.activity, queryId)) {
          return;
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          return;
        }
        await new Promise(resolve => setTimeout(resolve, 2000));
      }
    }
  }

  private applyView(view: Parameters<typeof applyQueryView>[1]): void {
    const before = this.activity;
    this.activity = applyQueryView(this.activity, view);
    if (before !== this.activity) {
      this.changed.emit();
    }
  }

  async refreshPending(): Promise<void> {
    await Promise.all(
      pendingQueries(this.activity).map(async id => {
        try {
          this.applyView(await this.api.query(id));
        } catch {
          /* next reconnect tries again */
        }
      })
    );
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await this.api.status();
      this.statusError = '';
    } catch (error) {
      this.statusError = error instanceof Error ? error.message : String(error);
    }
    this.changed.emit();
  }

  async refreshProgress(): Promise<void> {
    try {
      this.progress = await this.api.progress(10);
      this.progressError = '';
    } catch (error) {
      this.progressError = error instanceof Error ? error.message : String(error);
    }
    this.changed.emit();
  }

  revealHint(replyKey: string): void {
    this.hintsShown.set(replyKey, (this.hintsShown.get(replyKey) ?? 0) + 1);
    this.changed.emit();
  }

  async rate(reply: AgentReply, helpful: boolean): Promise<void> {
    if (!reply.reply_id) {
      return;
    }
    await this.api.feedback(reply.reply_id, helpful);
  }
}
