import { useWindowSize } from '@vueuse/core';
import { computed } from 'vue';
import { useRoute } from 'vue-router';
import { chartFontSize, scaled } from '../charts/text-size.js';

/** The chart text size of this screen (and kiosk mode), and sizes scaled from the 12 px base. */
export function useChartText() {
  const { height } = useWindowSize();
  const route = useRoute();
  const base = computed(() => chartFontSize(height.value, route.query.kiosk === '1'));
  return { base, scale: (size: number) => scaled(size, base.value) };
}
