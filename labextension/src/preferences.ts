/**
 * The student's preferences have one home: the LearnFlow API (`GET`/`PUT
 * /learnflow/api/preferences`), shared with the kernel's `%learnflow config`. The lab's
 * settings editor is a view of that record: a change made there is saved through the API,
 * and the record as saved is written back into the settings and pushed to every open
 * LearnFlow kernel over the `learnflow.commands` comm (data only, nothing is executed).
 * A kernel that saved a change says `preferences-changed`; the record is then read again.
 */
import type { Preferences } from './store';

export interface ServerPreferences {
  skill_level: Preferences['skillLevel'];
  learning_style: Preferences['learningStyle'];
  auto_capture: boolean;
  known_topics: string[];
  saved: boolean;
}

/** What the settings editor shows and changes (known topics are changed from a kernel). */
export type EditablePreferences = Pick<Preferences, 'autoCapture' | 'skillLevel' | 'learningStyle'>;

export interface PreferencesApi {
  preferences(): Promise<ServerPreferences>;
  savePreferences(changes: Partial<Omit<ServerPreferences, 'saved'>>): Promise<ServerPreferences>;
}

export interface SettingsView {
  /** The settings editor's current values. */
  read(): EditablePreferences;
  /** Show these values in the settings editor. */
  write(prefs: EditablePreferences): Promise<void>;
}

export function fromServer(saved: ServerPreferences): Preferences {
  return {
    autoCapture: saved.auto_capture,
    skillLevel: saved.skill_level,
    learningStyle: saved.learning_style,
    knownTopics: [...saved.known_topics]
  };
}

export function toServer(prefs: EditablePreferences): Partial<Omit<ServerPreferences, 'saved'>> {
  return { auto_capture: prefs.autoCapture, skill_level: prefs.skillLevel, learning_style: prefs.learningStyle };
}

export function sameEditable(a: EditablePreferences, b: EditablePreferences): boolean {
  return a.autoCapture === b.autoCapture && a.skillLevel === b.skillLevel && a.learningStyle === b.learningStyle;
}

/**
 * Keeps the settings editor, the sidebar's store and the open kernels on the API's record.
 * `apply` receives every record read or saved (the caller updates its store and pushes the
 * record to the kernels); `problem` hears an error (shown, the settings then show the record).
 */
export class PreferencesSync {
  private known: ServerPreferences | null = null;
  private writing = false;

  constructor(
    private readonly api: PreferencesApi,
    private readonly settings: SettingsView,
    private readonly apply: (saved: ServerPreferences) => void,
    private readonly problem: (message: string) => void = () => undefined
  ) {}

  /** Read the record. Settings made in the lab before there was a record are saved into it once. */
  async start(): Promise<void> {
    try {
      let saved = await this.api.preferences();
      const local = this.settings.read();
      if (!saved.saved && !sameEditable(local, fromServer(saved))) {
        saved = await this.api.savePreferences(toServer(local));
      }
      await this.show(saved);
    } catch (error) {
      this.problem(message(error));
    }
  }

  /** The settings editor changed: save what differs from the record through the API. */
  async settingsChanged(): Promise<void> {
    const local = this.settings.read();
    if (this.writing || (this.known && sameEditable(local, fromServer(this.known)))) {
      return; // the record itself, written into the settings by `show`
    }
    try {
      await this.show(await this.api.savePreferences(toServer(local)));
    } catch (error) {
      this.problem(message(error));
      if (this.known) {
        await this.show(this.known); // the settings go back to what is saved
      }
    }
  }

  /** A kernel saved a change (`%learnflow config`): read the record again. */
  async reload(): Promise<void> {
    try {
      await this.show(await this.api.preferences());
    } catch (error) {
      this.problem(message(error));
    }
  }

  private async show(saved: ServerPreferences): Promise<void> {
    this.known = saved;
    this.apply(saved);
    const { autoCapture, skillLevel, learningStyle } = fromServer(saved);
    const shown = { autoCapture, skillLevel, learningStyle };
    if (!sameEditable(this.settings.read(), shown)) {
      this.writing = true;
      try {
        await this.settings.write(shown);
      } finally {
        this.writing = false;
      }
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
