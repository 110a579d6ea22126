// Saving a form, the same way in every form: the button says "Saving…" while the request runs, a
// refusal is shown with the API's message and hint (kept while a retry runs, so the banner does not
// flicker, and gone once a save succeeds), and "Saved" confirms until the next attempt.
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { toApiError, type ApiError } from './useApi.js';

export interface SaveState {
  readonly saving: Readonly<Ref<boolean>>;
  readonly saved: Readonly<Ref<boolean>>;
  readonly error: Readonly<ShallowRef<ApiError | null>>;
  /**
   * Runs one save (the request and whatever must follow it); resolves true when it succeeded. While
   * one runs, another is not started: a double submit must not send the form twice.
   */
  run(action: () => Promise<unknown>): Promise<boolean>;
  /** Forgets the outcome of the last save (the form now holds another record). */
  reset(): void;
}

export function useSave(): SaveState {
  const saving = ref(false);
  const saved = ref(false);
  const error = shallowRef<ApiError | null>(null);
  /** Bumped by reset: a save still running then reports to nobody. */
  let generation = 0;

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    if (saving.value) return false;
    const mine = generation;
    saving.value = true;
    saved.value = false;
    try {
      await action();
      if (mine !== generation) return false;
      error.value = null;
      saved.value = true;
      return true;
    } catch (err) {
      if (mine === generation) error.value = toApiError(err);
      return false;
    } finally {
      saving.value = false;
    }
  }

  function reset(): void {
    generation++;
    saved.value = false;
    error.value = null;
  }

  return { saving, saved, error, run, reset };
}
