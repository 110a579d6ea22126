// "Data as of": every live topic on screen reports its asOf; the header shows the latest, and only
// on pages that have a live topic (the explorer's figures are read once, not streamed).
import {
  computed,
  inject,
  onScopeDispose,
  provide,
  reactive,
  ref,
  watch,
  type ComputedRef,
  type InjectionKey,
  type WatchSource,
} from 'vue';

type Report = (source: WatchSource<string | null>) => void;

const AS_OF: InjectionKey<Report> = Symbol('as-of');

export interface AsOf {
  /** The latest asOf of everything reported below the root. */
  latest: ComputedRef<string | null>;
  /** Something on the page is live (reports an asOf, maybe not yet known). */
  live: ComputedRef<boolean>;
}

/** Called once at the root. */
export function provideAsOf(): AsOf {
  const reports = reactive(new Map<symbol, string>());
  const reporters = ref(0);
  const report: Report = (source) => {
    const key = Symbol('report');
    reporters.value++;
    watch(
      source,
      (value) => {
        if (value) reports.set(key, value);
        else reports.delete(key);
      },
      { immediate: true },
    );
    onScopeDispose(() => {
      reports.delete(key);
      reporters.value--;
    });
  };
  provide(AS_OF, report);
  return {
    latest: computed(() => {
      let latest: string | null = null;
      for (const value of reports.values())
        if (latest === null || Date.parse(value) > Date.parse(latest)) latest = value;
      return latest;
    }),
    live: computed(() => reporters.value > 0),
  };
}

/** Reports a topic's asOf for as long as the calling component lives. */
export function reportAsOf(source: WatchSource<string | null>): void {
  inject(AS_OF, null)?.(source);
}
