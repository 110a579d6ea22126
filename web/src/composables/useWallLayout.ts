import { computed, ref, toValue, type ComputedRef, type MaybeRefOrGetter, type Ref } from 'vue';
import type { WallLayout } from '../lib/wall.js';
import { DEFAULT_WALL } from '../lib/wall.js';
import { ApiError, apiFetch, useApi, workspacePath } from './useApi.js';

export interface WallLayoutState {
  layout: ComputedRef<WallLayout>;
  /** False until a layout was saved: the wall shows its default meanwhile. */
  saved: ComputedRef<boolean>;
  error: ComputedRef<ApiError | null>;
  saving: Ref<boolean>;
  save(layout: WallLayout): Promise<void>;
}

/** The wall layout of a workspace: GET …/wall (a 404 means "not saved yet": the default), PUT to save. */
export function useWallLayout(workspace: MaybeRefOrGetter<string | null>): WallLayoutState {
  const resource = useApi<WallLayout>(() => {
    const id = toValue(workspace);
    return id ? workspacePath(id, 'wall') : null;
  });
  const saving = ref(false);
  const saveError = ref<ApiError | null>(null);
  const notSaved = computed(() => resource.error.value?.status === 404);

  async function save(layout: WallLayout): Promise<void> {
    const id = toValue(workspace);
    if (!id) return;
    saving.value = true;
    try {
      resource.data.value = await apiFetch<WallLayout>(workspacePath(id, 'wall'), {
        method: 'PUT',
        body: layout,
      });
      resource.error.value = null;
      saveError.value = null;
    } catch (err) {
      saveError.value = err instanceof ApiError ? err : null;
      throw err;
    } finally {
      saving.value = false;
    }
  }

  return {
    layout: computed(() => resource.data.value ?? DEFAULT_WALL),
    saved: computed(() => resource.data.value !== null && !notSaved.value),
    error: computed(() => saveError.value ?? (notSaved.value ? null : resource.error.value)),
    saving,
    save,
  };
}
