/** The server extension's API under /learnflow/api/, with Jupyter's auth (token, XSRF). */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { ServerPreferences } from './preferences';
import type { ProgressView, QueryView, ServerStatus, StudentQuery } from './types';

export const API_PATH = 'learnflow/api';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

export class LearnFlowApi {
  constructor(readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const url = URLExt.join(this.settings.baseUrl, API_PATH, path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (error) {
      throw new ApiError(`LearnFlow server not reachable: ${String(error)}`, 0);
    }
    const text = await response.text();
    let data: any = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!response.ok) {
      const message = (data && data.message) || response.statusText || 'request failed';
      throw new ApiError(`LearnFlow: ${message} (HTTP ${response.status})`, response.status);
    }
    return data as T;
  }

  submit(query: StudentQuery): Promise<{ query_id: string }> {
    return this.request('queries', { method: 'POST', body: JSON.stringify(query) });
  }

  query(queryId: string, waitSeconds = 0): Promise<QueryView> {
    const suffix = waitSeconds > 0 ? `?wait=${waitSeconds}` : '';
    return this.request(`queries/${encodeURIComponent(queryId)}${suffix}`);
  }

  feedback(replyId: string, helpful: boolean, rating?: number, comment?: string): Promise<void> {
    return this.request('feedback', {
      method: 'POST',
      body: JSON.stringify({ reply_id: replyId, helpful, rating, comment })
    });
  }

  status(): Promise<ServerStatus> {
    return this.request('status');
  }

  progress(limit = 10): Promise<ProgressView> {
    return this.request(`progress?limit=${limit}`);
  }

  /** The student's preferences: the one record the kernel's `%learnflow config` shares. */
  preferences(): Promise<ServerPreferences> {
    return this.request('preferences');
  }

  /** Change the preferences given; answers every preference as saved. */
  savePreferences(changes: Partial<Omit<ServerPreferences, 'saved'>>): Promise<ServerPreferences> {
    return this.request('preferences', { method: 'PUT', body: JSON.stringify(changes) });
  }

  /** The events WebSocket URL, with the token when the server uses one. */
  eventsUrl(): string {
    const url = URLExt.join(this.settings.wsUrl, API_PATH, 'events');
    const token = this.settings.token;
    return token && this.settings.appendToken ? `${url}?token=${encodeURIComponent(token)}` : url;
  }

  openEvents(): WebSocket {
    const Ctor = (this.settings.WebSocket ?? WebSocket) as typeof WebSocket;
    return new Ctor(this.eventsUrl());
  }
}
