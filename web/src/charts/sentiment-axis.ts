// The net sentiment axis: net sentiment lies in −100 % … +100 %, so a forecast band beyond it does
// not stretch the axis; its bounds sit on the 20 % grid the labels use, so that the end labels do
// not crowd the next ones (−40 % under −30 %), and 0 is always in view.
export const sentimentMin = (extent: { min: number }) =>
  Math.max(-1, Math.min(0, Math.floor(extent.min * 5) / 5));
export const sentimentMax = (extent: { max: number }) =>
  Math.min(1, Math.max(0, Math.ceil(extent.max * 5) / 5));
