// "Data as of": every live topic on screen reports its asOf; the header shows the latest.
import {
  computed,
  inject,
  onScopeDispose,
  provide,
  reactive,
  watch,
  type ComputedRef,
  type InjectionKey,
  type WatchSource,
} from 'vue';

type Report = (source: WatchSource<string | null>) => void;

const AS_OF: InjectionKey<Report> = Symbol('as-of');

/** Called once at the root: returns the latest asOf of everything reported below it. */
export function provideAsOf(): ComputedRef<string | null> {
  const reports = reactive(new Map<symbol, string>());
  const report: Report = (source) => {
    const key = Symbol('report');
    watch(
      source,
      (value) => {
        if (value) reports.set(key, value);
        else reports.delete(key);
      },
      { immediate: true },
    );
    onScopeDispose(() => reports.delete(key));
  };
  provide(AS_OF, report);
  return computed(() => {
    let latest: string | null = null;
    for (const value of reports.values())
      if (latest === null || Date.parse(value) > Date.parse(latest)) latest = value;
    return latest;
  });
}

/** Reports a topic's asOf for as long as the calling component lives. */
export function reportAsOf(source: WatchSource<string | null>): void {
  inject(AS_OF, null)?.(source);
}
