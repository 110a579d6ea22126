import { onScopeDispose, ref, type Ref } from 'vue';

/** The clock, ticking every `everyMs` while the calling component lives (ages, countdowns). */
export function useNow(everyMs = 1_000): Ref<number> {
  const now = ref(Date.now());
  const timer = setInterval(() => (now.value = Date.now()), everyMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
